"""FreeRADIUS's read path in Redis: one value per subscriber (decision 0014).

FreeRADIUS (deploy/freeradius/sites-enabled/default) GETs `<prefix>u:<username>` before
anything else. A hit answers the Access-Request from that value alone; a miss, or a value
it does not understand, runs the SQL statement of decision 0012. The tables stay the
source of truth: a value is only ever computed from them, by ISPcare, after its own
commit, and FreeRADIUS never writes one. So correctness never depends on Redis being
warm, only on a value never being older than the tables:

- Before changing a subscriber's rows, the writer *forgets* the value (a tombstone, which
  FreeRADIUS reads as a miss, so the SQL statement answers), and only after its commit
  *refreshes* it from the committed rows. If Redis cannot be reached for the forget, the
  tables are not touched: the change stays pending and is retried (network.services).
- Every value carries the ids of the rows it was computed from: the subscriber's highest
  radcheck id and the highest radgroupreply id of their group. ISPcare rewrites rows as
  delete + insert, so the check id grows with every change of the subscriber, and the
  group id with every change of the group while the subscriber stays in it. A Lua script
  stores a value only if its pair of ids (check id first) is greater than the stored
  one, or equal and neither is a tombstone, so a refresh computed from rows read before
  another writer's commit never replaces that writer's tombstone or value. Refreshes
  from different writers (a subscriber's apply, a plan's new rate limit, a refill after
  Redis lost its data) can therefore land in any order: each committer refreshes after
  its own commit, and the last one to read has the greatest pair.

Value: `<check id>.<group reply id>|A|<Mikrotik-Rate-Limit>|<Mikrotik-Address-List>|
<Framed-Pool>|<Cleartext-Password>` for an active or isolated subscriber,
`<ids>|R` for a disabled one (Auth-Type := Reject), `<ids>|X` for a tombstone. Only the
shape ISPcare writes is cached: one Cleartext-Password (or one Auth-Type := Reject) in
radcheck, one group, no radreply rows, a group with no radgroupcheck rows whose reply
rows are ":=" items among the three attributes above; anything else (a static IP in
radreply, a hand-made row) gets a tombstone, so the SQL statement answers for it.

Settings (read here, with these defaults): RADIUS_CACHE_URL ("" = no cache: nothing is
written, FreeRADIUS misses and uses SQL), RADIUS_CACHE_PREFIX ("radius:"; FreeRADIUS's
RADIUS_REDIS_PREFIX must be the same).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from django.conf import settings

from .adapters.base import BackendError
from .routers import radius_alias

# The reply attributes a value carries, in its order.
CACHED_REPLY = ("Mikrotik-Rate-Limit", "Mikrotik-Address-List", "Framed-Pool")
# User names FreeRADIUS looks up in Redis (its unlang checks the same pattern: the
# redis xlat would split a name at a space and expand a "%" in it).
SAFE_NAME = re.compile(r"^[A-Za-z0-9@._-]+$")
CHUNK = 2000

# KEYS[1] the value's key; ARGV[1] check id, ARGV[2] group reply id, ARGV[3] the rest
# ("A|...", "R" or "X" for a tombstone). Stores ids|rest unless the stored ids are
# greater (compared as a pair: check id first), or equal and one of the two a tombstone.
_STORE = """
local new_c, new_g = tonumber(ARGV[1]), tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local c, g, rest = string.match(old, '^(%d+)%.(%d+)|(.*)$')
  if c then
    c, g = tonumber(c), tonumber(g)
    if new_c < c or (new_c == c and new_g < g) then
      return 0
    end
    if new_c == c and new_g == g and (rest == 'X' or ARGV[3] == 'X') then
      redis.call('SET', KEYS[1], c .. '.' .. g .. '|X')
      return 0
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '.' .. ARGV[2] .. '|' .. ARGV[3])
return 1
"""

# A forget: a tombstone with the greater ids of the stored value and of the rows as they
# are now (ARGV 1 and 2): a refresh computed from rows read before the coming commit
# carries at most these ids, so it cannot replace it; the refresh after the commit
# carries a new check id (ISPcare rewrites the subscriber's radcheck rows each time) or
# a new group reply id (a plan's rows rewritten).
_FORGET = """
local c, g = tonumber(ARGV[1]), tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local oc, og = string.match(old, '^(%d+)%.(%d+)|')
  if oc then
    oc, og = tonumber(oc), tonumber(og)
    if oc > c or (oc == c and og > g) then c, g = oc, og end
  end
end
redis.call('SET', KEYS[1], c .. '.' .. g .. '|X')
return 1
"""

_clients: dict = {}


def url() -> str:
    return getattr(settings, "RADIUS_CACHE_URL", None) or os.environ.get("RADIUS_CACHE_URL", "")


def prefix() -> str:
    return getattr(settings, "RADIUS_CACHE_PREFIX", None) or os.environ.get(
        "RADIUS_CACHE_PREFIX", "radius:"
    )


def enabled() -> bool:
    return bool(url())


def _client():
    import redis

    address = url()
    client = _clients.get(address)
    if client is None:
        client = _clients[address] = redis.Redis.from_url(
            address, socket_timeout=2, socket_connect_timeout=2
        )
    return client


def key(username: str) -> str:
    return f"{prefix()}u:{username}"


def _scripts():
    client = _client()
    return client.register_script(_FORGET), client.register_script(_STORE)


def _each_chunk(names: list[str], send) -> None:
    """For each chunk of `names`: their values from the committed rows, one pipelined
    script call per name (`send(pipe, name, (check id, group id, value))`). Redis errors
    become BackendError, so the change stays pending and is retried."""
    import redis

    try:
        for start in range(0, len(names), CHUNK):
            part = names[start : start + CHUNK]
            computed = values(part)
            pipe = _client().pipeline(transaction=False)
            for name in part:
                send(pipe, name, computed[name])
            pipe.execute()
    except redis.RedisError as exc:
        raise BackendError(f"RADIUS cache (Redis): {type(exc).__name__}: {exc}") from exc


def forget(usernames: Iterable[str]) -> None:
    """Before changing these subscribers' rows: FreeRADIUS reads them from SQL until the
    refresh after the commit. Raises BackendError when Redis cannot be reached."""
    if not enabled():
        return
    forget_script, _ = _scripts()
    _each_chunk(
        list(usernames),
        lambda pipe, name, v: forget_script(keys=[key(name)], args=[v[0], v[1]], client=pipe),
    )


def values(usernames: list[str]) -> dict[str, tuple[int, int, str]]:
    """(check id, group reply id, value) per subscriber, from the committed rows."""
    from .models import RadCheck, RadGroupReply, RadReply, RadUserGroup

    db = radius_alias()
    checks: dict[str, list] = {u: [] for u in usernames}
    groups: dict[str, list] = {u: [] for u in usernames}
    for row in (
        RadCheck.objects.using(db)
        .filter(username__in=usernames)
        .values_list("username", "id", "attribute", "op", "value")
    ):
        checks[row[0]].append(row[1:])
    for u, group in (
        RadUserGroup.objects.using(db)
        .filter(username__in=usernames)
        .values_list("username", "groupname")
    ):
        groups[u].append(group)
    with_reply = set(
        RadReply.objects.using(db).filter(username__in=usernames).values_list("username", flat=True)
    )
    names = {g for gs in groups.values() for g in gs}
    group_rows: dict[str, list] = {g: [] for g in names}
    for g, pk, attribute, op, value in (
        RadGroupReply.objects.using(db)
        .filter(groupname__in=names)
        .values_list("groupname", "id", "attribute", "op", "value")
    ):
        group_rows[g].append((pk, attribute, op, value))
    from .models import RadGroupCheck

    with_check = set(
        RadGroupCheck.objects.using(db)
        .filter(groupname__in=names)
        .values_list("groupname", flat=True)
    )
    out = {}
    for u in usernames:
        check_id = max((c[0] for c in checks[u]), default=0)
        group_id = max((r[0] for g in groups[u] for r in group_rows.get(g, [])), default=0)
        out[u] = (
            check_id,
            group_id,
            _value(u, checks[u], groups[u], u in with_reply, group_rows, with_check),
        )
    return out


def _value(username, checks, groups, has_reply, group_rows, with_check) -> str:
    if not SAFE_NAME.match(username) or has_reply:
        return "X"
    if [(a, op, v) for _, a, op, v in checks] == [("Auth-Type", ":=", "Reject")] and not groups:
        return "R"
    if len(checks) != 1 or len(groups) != 1:
        return "X"
    _, attribute, op, password = checks[0]
    group = groups[0]
    rows = group_rows.get(group, [])
    if attribute != "Cleartext-Password" or op != ":=" or group in with_check or not rows:
        return "X"
    if any(ord(ch) < 32 for ch in password):
        return "X"
    reply: dict[str, str] = {}
    for _, a, rop, v in rows:
        if a not in CACHED_REPLY or rop != ":=" or a in reply or "|" in v or not v:
            return "X"
        if any(ord(ch) < 32 for ch in v):
            return "X"
        reply[a] = v
    return "|".join(["A", *(reply.get(a, "") for a in CACHED_REPLY), password])


def refresh(usernames: Iterable[str]) -> None:
    """After a commit: each subscriber's value from the committed rows (a tombstone when
    the shape is not cached). Raises BackendError when Redis cannot be reached."""
    if not enabled():
        return
    _, store = _scripts()
    _each_chunk(
        list(usernames),
        lambda pipe, name, v: store(keys=[key(name)], args=list(v), client=pipe),
    )


def group_members(groupnames: Iterable[str]) -> list[str]:
    from .models import RadUserGroup

    return list(
        RadUserGroup.objects.using(radius_alias())
        .filter(groupname__in=list(groupnames))
        .values_list("username", flat=True)
        .distinct()
    )


def fill() -> int:
    """Every subscriber in radcheck (after Redis lost its data, or when the cache is
    switched on): values computed from the tables, in chunks. Safe while applies run
    (the ids decide). Returns how many were written."""
    if not enabled():
        return 0
    from .models import RadCheck

    names = list(
        RadCheck.objects.using(radius_alias())
        .order_by("username")
        .values_list("username", flat=True)
        .distinct()
    )
    refresh(names)
    _client().set(f"{prefix()}filled", "1")
    return len(names)


def fill_if_empty() -> int:
    """fill() unless the marker it leaves is still there (Redis restarted without its
    data: the marker is gone too)."""
    if not enabled():
        return 0
    import redis

    try:
        if _client().exists(f"{prefix()}filled"):
            return 0
    except redis.RedisError:
        return 0
    return fill()
