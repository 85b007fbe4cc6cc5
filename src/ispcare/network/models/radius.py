"""FreeRADIUS's standard SQL tables (mods-config/sql/main/postgresql/schema.sql), as models.

Same table and column names, types and defaults, so the stock rlm_sql queries read what
ISPcare writes. They live in the main database, or in the one RADIUS_DATABASE_URL names
(routers.RadiusRouter). Only ISPcare writes the check/reply/group tables; FreeRADIUS
writes radacct and radpostauth.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class _AttributeRow(models.Model):
    id = models.AutoField(primary_key=True)  # serial, as in FreeRADIUS's schema
    attribute = models.TextField(db_default="")
    op = models.CharField(max_length=2, db_default="==")
    value = models.TextField(db_default="")

    class Meta:
        abstract = True


class RadCheck(_AttributeRow):
    username = models.TextField(db_default="")

    class Meta:
        db_table = "radcheck"
        indexes = [models.Index(fields=["username", "attribute"], name="radcheck_username")]

    def __str__(self) -> str:
        return f"{self.username} {self.attribute} {self.op} {self.value}"


class RadReply(_AttributeRow):
    username = models.TextField(db_default="")
    op = models.CharField(max_length=2, db_default="=")

    class Meta:
        db_table = "radreply"
        indexes = [models.Index(fields=["username", "attribute"], name="radreply_username")]

    def __str__(self) -> str:
        return f"{self.username} {self.attribute} {self.op} {self.value}"


class RadGroupCheck(_AttributeRow):
    groupname = models.TextField(db_default="")

    class Meta:
        db_table = "radgroupcheck"
        indexes = [models.Index(fields=["groupname", "attribute"], name="radgroupcheck_groupname")]

    def __str__(self) -> str:
        return f"{self.groupname} {self.attribute} {self.op} {self.value}"


class RadGroupReply(_AttributeRow):
    groupname = models.TextField(db_default="")
    op = models.CharField(max_length=2, db_default="=")

    class Meta:
        db_table = "radgroupreply"
        indexes = [models.Index(fields=["groupname", "attribute"], name="radgroupreply_groupname")]

    def __str__(self) -> str:
        return f"{self.groupname} {self.attribute} {self.op} {self.value}"


class RadUserGroup(models.Model):
    id = models.AutoField(primary_key=True)
    username = models.TextField(db_default="")
    groupname = models.TextField(db_default="")
    priority = models.IntegerField(db_default=0)

    class Meta:
        db_table = "radusergroup"
        indexes = [models.Index(fields=["username"], name="radusergroup_username")]

    def __str__(self) -> str:
        return f"{self.username} in {self.groupname}"


class RadAcct(models.Model):
    """Sessions, written by FreeRADIUS from the NAS's accounting; read by ISPcare."""

    radacctid = models.BigAutoField(primary_key=True)
    acctsessionid = models.TextField()
    acctuniqueid = models.TextField(unique=True)
    username = models.TextField(null=True)
    realm = models.TextField(null=True)
    nasipaddress = models.GenericIPAddressField()
    nasportid = models.TextField(null=True)
    nasporttype = models.TextField(null=True)
    acctstarttime = models.DateTimeField(null=True)
    acctupdatetime = models.DateTimeField(null=True)
    acctstoptime = models.DateTimeField(null=True)
    acctinterval = models.BigIntegerField(null=True)
    acctsessiontime = models.BigIntegerField(null=True)
    acctauthentic = models.TextField(null=True)
    connectinfo_start = models.TextField(null=True)
    connectinfo_stop = models.TextField(null=True)
    acctinputoctets = models.BigIntegerField(null=True)
    acctoutputoctets = models.BigIntegerField(null=True)
    calledstationid = models.TextField(null=True)
    callingstationid = models.TextField(null=True)
    acctterminatecause = models.TextField(null=True)
    servicetype = models.TextField(null=True)
    framedprotocol = models.TextField(null=True)
    framedipaddress = models.GenericIPAddressField(null=True)
    framedipv6address = models.GenericIPAddressField(null=True)
    framedipv6prefix = models.TextField(null=True)  # inet with a prefix length
    framedinterfaceid = models.TextField(null=True)
    delegatedipv6prefix = models.TextField(null=True)
    class_field = models.TextField(null=True, db_column="class")

    class Meta:
        db_table = "radacct"
        indexes = [
            models.Index(
                fields=["acctuniqueid"],
                name="radacct_active_session_idx",
                condition=models.Q(acctstoptime__isnull=True),
            ),
            models.Index(
                fields=["nasipaddress", "acctstarttime"],
                name="radacct_bulk_close",
                condition=models.Q(acctstoptime__isnull=True),
            ),
            models.Index(fields=["acctstarttime", "username"], name="radacct_start_user_idx"),
            # ISPcare's own: one subscriber's sessions, newest first; who is online.
            models.Index(fields=["username", "-acctstarttime"], name="radacct_user_start_idx"),
            models.Index(
                fields=["username"],
                name="radacct_user_open_idx",
                condition=models.Q(acctstoptime__isnull=True),
            ),
            models.Index(
                fields=["framedipaddress"],
                name="radacct_ip_open_idx",
                condition=models.Q(acctstoptime__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.acctsessionid}"


class RadPostAuth(models.Model):
    id = models.BigAutoField(primary_key=True)
    username = models.TextField()
    password = models.TextField(null=True, db_column="pass")
    reply = models.TextField(null=True)
    calledstationid = models.TextField(null=True)
    callingstationid = models.TextField(null=True)
    authdate = models.DateTimeField(db_default=Now())
    class_field = models.TextField(null=True, db_column="class")

    class Meta:
        db_table = "radpostauth"
        indexes = [
            models.Index(fields=["username"], name="radpostauth_username_idx"),
            models.Index(fields=["class_field"], name="radpostauth_class_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.reply} {self.authdate}"


class RadNas(models.Model):
    """FreeRADIUS's client list (read_clients = yes); written from network.Nas."""

    id = models.AutoField(primary_key=True)
    nasname = models.TextField()
    shortname = models.TextField()
    type = models.TextField(db_default="other")
    ports = models.IntegerField(null=True)
    secret = models.TextField()
    server = models.TextField(null=True)
    community = models.TextField(null=True)
    description = models.TextField(null=True)

    class Meta:
        db_table = "nas"
        indexes = [models.Index(fields=["nasname"], name="nas_nasname")]

    def __str__(self) -> str:
        return self.nasname
