"""Staff forms for the network tree and its routers."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Nas, Node


class NodeForm(forms.ModelForm):
    class Meta:
        model = Node
        fields = ["name", "kind", "parent", "location", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Node.objects.order_by("name")
        if self.instance.pk:  # not itself
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False

    def clean(self):
        data = super().clean()
        parent, node = data.get("parent"), self.instance
        # A node may not hang below itself (a loop would hide a whole branch).
        while parent is not None and node.pk:
            if parent.pk == node.pk:
                raise ValidationError({"parent": _("A node cannot hang below itself.")})
            parent = parent.parent
        return data


class NasForm(forms.ModelForm):
    class Meta:
        model = Nas
        fields = [
            "address",
            "secret",
            "coa_port",
            "vendor",
            "api_port",
            "api_username",
            "api_password",
        ]
        widgets = {
            "secret": forms.PasswordInput(render_value=True),
            "api_password": forms.PasswordInput(render_value=True),
        }
        help_texts = {
            "secret": _("The same shared secret as in the router's /radius entry."),
            "api_username": _("Only for driving the router over its API (no RADIUS)."),
        }

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        if len(secret) < 8:
            raise ValidationError(_("Use at least 8 characters."))
        return secret
