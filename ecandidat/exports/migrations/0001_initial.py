# The model moved here from the review app: its table exists already (created by review's
# migrations, and keeps its name through Meta.db_table), so only Django's state changes.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('review', '0005_state_invariants'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ListPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('columns', models.JSONField(default=list)),
                        ('filters', models.JSONField(default=dict)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='list_preference', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'list preference',
                        'verbose_name_plural': 'list preferences',
                        'db_table': 'review_listpreference',
                    },
                ),
            ],
        ),
    ]
