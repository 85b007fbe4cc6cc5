"""The only tags and filters a staff-edited template may use (see sandbox.py).

Left out on purpose: load (no other libraries), include/extends/block (no reading other
templates), debug (dumps the context and loaded modules), csrf_token and url.
"""

from django.template import Library, defaultfilters, defaulttags

from ispcare.common.templatetags import ispcare_format

register = Library()

SAFE_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
UNSAFE_FILTERS = {"pprint"}  # repr() of whatever it is given

for _name in SAFE_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name, _func in defaultfilters.register.filters.items():
    if _name not in UNSAFE_FILTERS:
        register.filters[_name] = _func
for _name in ("rupiah", "wib", "phone"):
    register.filters[_name] = ispcare_format.register.filters[_name]
