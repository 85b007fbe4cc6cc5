"""Staff: what is not yet on the network, what the routers answered, the routers."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.effects import on_commit

from . import selectors, services
from .choices import Backend, NodeKind
from .forms import NasForm, NodeForm
from .models import AccessBackendState, Nas, Node


@capability_required("network.view")
def overview(request):
    """NOC: pending changes (since when, last error), CoA answers, routers."""
    pending = list(selectors.pending_changes()[:200])
    return render(
        request,
        "network/overview.html",
        {
            "pending": pending,
            "pending_counts": [
                (Backend(b).label, n) for b, n in sorted(selectors.pending_counts().items())
            ],
            "coa": list(selectors.coa_recent()),
            "coa_problems": selectors.coa_problems(),
            "nas_list": list(Nas.objects.select_related("node__parent").order_by("node__name")),
            "nodes": Node.objects.count(),
            "tree": selectors.topology(),
            "can_manage": has_capability(request.user, "network.manage"),
            "now": timezone.now(),
        },
    )


@require_POST
@capability_required("network.manage")
def retry(request, pk: int):
    """Try a pending change again now instead of waiting for its backoff."""
    row = get_object_or_404(AccessBackendState.objects.select_related("access"), pk=pk)
    AccessBackendState.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
    from .tasks import access_apply_task

    on_commit(access_apply_task, row.access.username)
    messages.success(request, _("Trying again now."))
    return redirect("network:overview")


@capability_required("network.manage")
def node_edit(request, pk: int | None = None):
    """NOC: add or change a node of the tree (POP, router, OLT, AP); a router also gets
    its NAS record (address, RADIUS secret, CoA port, API login)."""
    node = get_object_or_404(Node, pk=pk) if pk else None
    form = NodeForm(request.POST or None, instance=node, prefix="node")
    nas_form = NasForm(
        request.POST or None, instance=getattr(node, "nas", None) if node else None, prefix="nas"
    )
    if request.method == "POST" and form.is_valid():
        is_router = form.cleaned_data["kind"] == NodeKind.ROUTER
        if not is_router or nas_form.is_valid():
            with transaction.atomic():
                node = form.save()
                if is_router:
                    services.nas_save(node=node, data=nas_form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("network:overview")
    return render(
        request, "network/node_edit.html", {"form": form, "nas_form": nas_form, "node": node}
    )
