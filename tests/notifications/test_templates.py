"""Staff-editable templates: sandboxed, previewed against a sample, used for new messages."""

from __future__ import annotations

import pytest
from django.template import TemplateSyntaxError

from ispcare.common.errors import ValidationFailed
from ispcare.notifications import catalog, sandbox
from ispcare.notifications.models import TemplateOverride
from ispcare.notifications.services import template_preview, template_reset, template_save
from tests import factories
from tests.web import login

from .support import announce

pytestmark = pytest.mark.django_db


def _render(source: str, context: dict | None = None) -> str:
    return sandbox.render(source, sandbox.plain(context or {}), language="id", autoescape=True)


# --- the sandbox ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{% debug %}",  # would dump the context and every loaded module
        "{% load log %}",
        "{% load static %}{% static 'x' %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% url 'admin:index' %}",
        "{% csrf_token %}",
        "{{ x|pprint }}",
        "{{ name.__class__ }}",  # Django refuses underscores outright
        "{{ name._meta }}",
    ],
)
def test_tags_that_reach_outside_are_not_available(source):
    with pytest.raises(TemplateSyntaxError):
        sandbox.check(source)


@pytest.mark.parametrize(
    "source",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ name.encode.decode.upper.mro }}",
        "{{ request.user.password }}",
        "{{ customer.user.password }}",
    ],
)
def test_settings_and_attributes_are_out_of_reach(source, settings):
    out = _render(source, {"name": "Dimas", "customer": {"name": "Dimas"}})
    assert out == "" and settings.SECRET_KEY not in out


def test_models_and_other_objects_cannot_be_put_in_a_context():
    user = factories.staff_user("admin")
    with pytest.raises(TypeError):
        sandbox.plain({"user": user})
    with pytest.raises(TypeError):
        sandbox.plain({"settings": __import__("django.conf").conf.settings})


def test_a_template_cannot_change_the_data_the_next_recipient_gets():
    context = sandbox.plain({"items": ["a", "b"], "d": {"k": "v"}})
    _render("{{ items.pop }}{{ d.clear }}{{ d.popitem }}", dict(context))
    assert list(context["items"]) == ["a", "b"] and dict(context["d"]) == {"k": "v"}


def test_autoescaping_is_on_and_the_house_filters_work():
    assert _render("{{ x }}", {"x": "<b>"}) == "&lt;b&gt;"
    assert _render("{{ n|rupiah }}", {"n": 1500000}) == "Rp 1.500.000"


# --- defaults and edits ---------------------------------------------------------------------


def test_every_registered_template_ships_in_both_languages_and_renders_its_sample():
    keys = {s.key for s in catalog.all_specs()}
    assert {
        "application_received",
        "application_rejected",
        "welcome",
        "installation_scheduled",
        "deposit_invoice",
        "service_active",
        "announcement",
    } <= keys
    for spec in catalog.all_specs():
        if spec.key.startswith("test_"):
            continue
        for lang in catalog.LANGUAGES:
            subject, body = catalog.default_source(spec.key, lang)
            rendered = template_preview(key=spec.key, language=lang, subject=subject, body=body)
            assert rendered[0] and rendered[1], (spec.key, lang)
            assert "{{" not in rendered[1]


def test_indonesian_dates_in_indonesian_texts():
    subject, body = catalog.default_source("installation_scheduled", "id")
    out = template_preview(key="installation_scheduled", language="id", subject=subject, body=body)
    assert "Kamis, 3 Desember 2026" in out[0]
    out = template_preview(key="installation_scheduled", language="en", subject=subject, body=body)
    assert "Thursday, 3 December 2026" in out[0]


def test_saved_text_is_used_for_new_messages_and_reset_restores_the_default():
    admin = factories.staff_user("admin")
    template_save(
        key="announcement",
        language="id",
        subject="[PENTING] {{ subject|upper }}",
        body="Yth. {{ name }}: {{ text }}",
        by=admin,
    )
    (row,) = announce("edited")
    assert row.subject == "[PENTING] GANGGUAN" and row.body.startswith("Yth. Dewi")
    template_reset(key="announcement", language="id")
    (row,) = announce("default")
    assert row.subject == "Gangguan"


def test_a_broken_template_is_refused_per_field_and_nothing_is_saved():
    admin = factories.staff_user("admin")
    with pytest.raises(ValidationFailed) as exc:
        template_save(
            key="announcement", language="id", subject="{% if %}", body="{% debug %}", by=admin
        )
    assert set(exc.value.fields) == {"subject", "body"}
    assert TemplateOverride.objects.count() == 0


# --- the staff pages ------------------------------------------------------------------------


def test_admin_edits_with_live_preview(client):
    login(client, factories.staff_user("admin"))
    url = "/staff/messages/templates/welcome/id/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dimas Saputra" in html and "VN-2612-00042" in html  # preview of the sample
    preview = client.post(
        url + "preview/", {"subject": "Hai {{ name }}", "body": "Nomor {{ customer_number }}"}
    )
    assert "Hai Dimas Saputra" in preview.content.decode()
    assert "Nomor VN-2612-00042" in preview.content.decode()
    broken = client.post(url + "preview/", {"subject": "x", "body": "{% load os %}"})
    assert "errorlist" in broken.content.decode()
    saved = client.post(url, {"subject": "Hai {{ name }}", "body": "Nomor {{ customer_number }}"})
    assert saved.status_code == 302
    assert TemplateOverride.objects.get(key="welcome", language="id").updated_by.role == "admin"
    refused = client.post(url, {"subject": "x", "body": "{% include 'base.html' %}"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert (
        TemplateOverride.objects.get(key="welcome", language="id").body
        == "Nomor {{ customer_number }}"
    )
    client.post(url + "reset/")
    assert not TemplateOverride.objects.exists()


def test_unknown_template_or_language_is_404(client):
    login(client, factories.staff_user("admin"))
    assert client.get("/staff/messages/templates/nope/id/").status_code == 404
    assert client.get("/staff/messages/templates/welcome/fr/").status_code == 404


def test_template_list_shows_which_are_edited(client):
    login(client, factories.staff_user("admin"))
    TemplateOverride.objects.create(key="welcome", language="en", subject="s", body="b")
    html = client.get("/staff/messages/templates/").content.decode()
    assert "welcome" in html and html.count("badge warn") == 1


def test_editor_lists_nested_variables(client):
    login(client, factories.staff_user("admin"))
    html = client.get("/staff/messages/templates/deposit_invoice/id/").content.decode()
    assert "invoice.amount" in html and "plan.deposit" in html and "customer_number" in html
