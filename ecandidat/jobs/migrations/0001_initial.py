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
                    name='BulkJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=30)),
                        ('params', models.JSONField(default=dict)),
                        ('application_ids', models.JSONField(default=list)),
                        ('done', models.PositiveIntegerField(default=0)),
                        ('succeeded', models.JSONField(default=list)),
                        ('refused', models.JSONField(default=list)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('error', models.TextField(blank=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'bulk action',
                        'verbose_name_plural': 'bulk actions',
                        'db_table': 'review_bulkjob',
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed'])), name='bulkjob_status_valid'), models.CheckConstraint(condition=models.Q(models.Q(('finished_at__isnull', False), ('status__in', ['done', 'failed'])), models.Q(('finished_at__isnull', True), ('status__in', ['queued', 'running'])), _connector='OR'), name='bulkjob_finished_when_over'), models.CheckConstraint(condition=models.Q(('status', 'failed'), ('error', ''), _connector='OR'), name='bulkjob_error_only_when_failed')],
                    },
                ),
            ],
        ),
    ]
