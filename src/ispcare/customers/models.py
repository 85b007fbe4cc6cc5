"""Plans, coverage, registrations, customers, subscriptions, events and the equipment register.

Plans live here rather than in billing because a subscription points at its plan and
customers sits below billing in the layer order (docs/decisions/0003-plans-in-customers.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.models import TimeStamped
from ispcare.common.nik import mask_nik

from .choices import (
    ApplicationStatus,
    EquipmentKind,
    EquipmentStatus,
    EventKind,
    IsolationCause,
    SubscriptionState,
)


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    speed_mbps = models.PositiveIntegerField(_("speed (Mbps)"))
    monthly_price = models.PositiveIntegerField(_("monthly price (Rp)"))
    installation_fee = models.PositiveIntegerField(_("installation fee (Rp)"))
    deposit = models.PositiveIntegerField(_("deposit (Rp)"))
    radius_profile = models.CharField(_("network profile"), max_length=64)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "monthly_price"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return f"{self.name} ({self.speed_mbps} Mbps)"


class CoverageArea(models.Model):
    """A place the network reaches: a kelurahan, or a whole kecamatan when kelurahan is blank."""

    city = models.CharField(_("city/regency"), max_length=100)
    kecamatan = models.CharField(_("district (kecamatan)"), max_length=100)
    kelurahan = models.CharField(_("village (kelurahan)"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)

    class Meta:
        ordering = ["city", "kecamatan", "kelurahan"]
        verbose_name = _("coverage area")
        verbose_name_plural = _("coverage areas")

    def __str__(self) -> str:
        return ", ".join(p for p in (self.kelurahan, self.kecamatan, self.city) if p)


class Address(models.Model):
    street = models.CharField(_("street and house number"), max_length=200)
    rt = models.CharField(_("RT"), max_length=3)
    rw = models.CharField(_("RW"), max_length=3)
    kelurahan = models.CharField(_("village (kelurahan/desa)"), max_length=100)
    kecamatan = models.CharField(_("district (kecamatan)"), max_length=100)
    city = models.CharField(_("city/regency"), max_length=100)
    postcode = models.CharField(_("postcode"), max_length=5)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        abstract = True

    @property
    def address_line(self) -> str:
        return (
            f"{self.street}, RT {self.rt}/RW {self.rw}, {self.kelurahan}, "
            f"{self.kecamatan}, {self.city} {self.postcode}"
        )


class Application(Address, TimeStamped):
    """A registration from the public form (or the API), until it is approved or rejected."""

    # What the applicant fills in; everything else is set by the service.
    REGISTRATION_FIELDS = (
        "full_name",
        "nik",
        "phone",
        "email",
        "street",
        "rt",
        "rw",
        "kelurahan",
        "kecamatan",
        "city",
        "postcode",
        "latitude",
        "longitude",
        "plan",
        "preferred_date",
    )

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16)
    phone = models.CharField(_("mobile number"), max_length=20)
    email = models.EmailField(_("email"))
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, verbose_name=_("plan"))
    preferred_date = models.DateField(_("preferred installation date"))
    language = models.CharField(max_length=8, default="id")
    consent_at = models.DateTimeField(_("terms accepted at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    in_coverage = models.BooleanField(_("in coverage area"), default=False)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            # One open application per person: the database has the last word under races.
            models.UniqueConstraint(
                fields=["nik"], condition=Q(status="submitted"), name="uniq_open_application_nik"
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(status="submitted"),
                name="uniq_open_application_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.full_name}"

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)


class Customer(Address, TimeStamped):
    number = models.CharField(_("customer number"), max_length=32, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer"
    )
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="customer"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    phone = models.CharField(_("mobile number"), max_length=20, unique=True)
    email = models.EmailField(_("email"), db_index=True)
    language = models.CharField(_("language"), max_length=8, default="id")
    # Channels for notices, in order of preference ("whatsapp,email"); the first one
    # that works is used, and the portal inbox always gets a copy.
    notify_channels = models.CharField(
        _("notification channels"), max_length=32, default="whatsapp,email"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.number} {self.full_name}"

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)


class Subscription(TimeStamped):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, verbose_name=_("plan"))
    state = models.CharField(
        _("state"),
        max_length=32,
        choices=SubscriptionState.choices,
        default=SubscriptionState.PENDING_INSTALLATION,
        db_index=True,
    )
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)
    state_reason = models.CharField(_("reason"), max_length=200, blank=True)
    pppoe_username = models.CharField(_("PPPoE username"), max_length=64, unique=True)
    # Kept readable: FreeRADIUS needs Cleartext-Password for PAP/CHAP (decision 0004).
    pppoe_password = models.CharField(_("PPPoE password"), max_length=64)
    installed_at = models.DateTimeField(_("installed"), null=True, blank=True)
    deposit_paid_at = models.DateTimeField(_("deposit paid"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set while isolated: billing lifts only its own isolation ("overdue").
    isolation_cause = models.CharField(
        _("isolation cause"), max_length=16, choices=IsolationCause.choices, blank=True
    )
    # Where the subscriber hangs in the network (an OLT, an access point or the router).
    node = models.ForeignKey(
        "network.Node",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("network node"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.customer.number} {self.plan.code} {self.state}"


class Event(models.Model):
    """Who did what, when and why: one row per change a person or a job makes."""

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=40, choices=EventKind.choices)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=150)
    reason = models.TextField(_("why"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["application", "created_at"]),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} by {self.actor_label}"


class Equipment(TimeStamped):
    """An ISP-owned device, tracked by serial from stock to a customer and back."""

    kind = models.CharField(_("type"), max_length=16, choices=EquipmentKind.choices)
    model_name = models.CharField(_("model"), max_length=100)
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    mac = models.CharField(_("MAC address"), max_length=17, unique=True, null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EquipmentStatus.choices,
        default=EquipmentStatus.IN_STOCK,
        db_index=True,
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="equipment"
    )
    installed_at = models.DateTimeField(_("installed"), null=True, blank=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class PlanChange(models.Model):
    """A subscription moved to another plan from `effective_date` on: billing prorates the
    period it falls in from these rows."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="plan_changes"
    )
    from_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    to_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField(_("from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["effective_date"])]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.from_plan_id} -> {self.to_plan_id}"
