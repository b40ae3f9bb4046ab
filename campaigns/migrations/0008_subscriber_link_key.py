"""Personal links carry a random key instead of the subscriber's id: added empty, filled one
random key per existing subscriber, then made unique."""

import secrets

from django.db import migrations, models

import campaigns.models


def give_every_subscriber_a_key(apps, schema_editor):
    Subscriber = apps.get_model("campaigns", "Subscriber")
    for subscriber in Subscriber.objects.filter(link_key="").only("pk").iterator():
        Subscriber.objects.filter(pk=subscriber.pk).update(link_key=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_phonechallenge_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="link_key",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(give_every_subscriber_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="subscriber",
            name="link_key",
            field=models.CharField(
                default=campaigns.models.new_link_key, editable=False, max_length=32, unique=True
            ),
        ),
    ]
