"""Is an address inside the area the network reaches?"""

from __future__ import annotations

from django.db.models import Q

from .models import CoverageArea


def address_in_coverage(*, city: str, kecamatan: str, kelurahan: str, postcode: str = "") -> bool:
    """A kelurahan row matches that kelurahan; a row with a blank kelurahan covers the kecamatan."""
    place = Q(city__iexact=city.strip(), kecamatan__iexact=kecamatan.strip())
    return CoverageArea.objects.filter(
        place & (Q(kelurahan="") | Q(kelurahan__iexact=kelurahan.strip()))
    ).exists() or bool(
        postcode and CoverageArea.objects.filter(postcode=postcode, kelurahan="").exists()
    )
