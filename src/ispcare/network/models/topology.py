"""Where subscribers hang: POP > router (the NAS) > OLT / access point."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import PARENT_KINDS, NodeKind, Vendor


class Node(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=NodeKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("part of"),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("network node")
        verbose_name_plural = _("network nodes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def clean(self) -> None:
        allowed = PARENT_KINDS[NodeKind(self.kind)]
        if allowed and (self.parent is None or self.parent.kind not in allowed):
            raise ValidationError(
                {
                    "parent": _("A %(kind)s hangs below a %(parents)s.")
                    % {
                        "kind": self.get_kind_display(),
                        "parents": " / ".join(str(NodeKind(k).label) for k in allowed),
                    }
                }
            )
        if not allowed and self.parent is not None:
            raise ValidationError({"parent": _("A POP is the top of the tree.")})

    def router(self) -> Node | None:
        """The router (NAS) this node is, or hangs below."""
        node: Node | None = self
        while node is not None and node.kind != NodeKind.ROUTER:
            node = node.parent
        return node


class Nas(models.Model):
    """A router that authenticates PPPoE subscribers against FreeRADIUS (or is driven over
    the RouterOS API). Written to FreeRADIUS's `nas` table as its client."""

    node = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="nas")
    address = models.GenericIPAddressField(_("address"), unique=True)
    secret = models.CharField(_("RADIUS secret"), max_length=128)
    coa_port = models.PositiveIntegerField(_("CoA port"), default=3799)
    vendor = models.CharField(
        _("vendor"), max_length=16, choices=Vendor.choices, default=Vendor.MIKROTIK
    )
    # The RouterOS API, for ISPs that drive the router directly instead of RADIUS.
    api_port = models.PositiveIntegerField(_("API port"), default=8728)
    api_username = models.CharField(_("API user"), max_length=64, blank=True)
    api_password = models.CharField(_("API password"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("NAS")
        verbose_name_plural = _("NAS")

    def __str__(self) -> str:
        return f"{self.node.name} ({self.address})"
