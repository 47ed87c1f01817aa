# The model moved here from the review app: its table exists already (created by review's
# migrations, and keeps its name through Meta.db_table), so only Django's state changes.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('review', '0005_state_invariants'),
        ('applications', '0005_state_invariants'),
        ('catalog', '0008_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DecisionReason',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('label_fr', models.CharField(max_length=200, verbose_name='label (French)')),
                        ('label_en', models.CharField(blank=True, max_length=200, verbose_name='label (English)')),
                        ('in_service', models.BooleanField(default=True, verbose_name='in service')),
                    ],
                    options={
                        'verbose_name': 'decision reason',
                        'verbose_name_plural': 'decision reasons',
                        'db_table': 'review_decisionreason',
                        'ordering': ['label_fr'],
                    },
                ),
                migrations.CreateModel(
                    name='DecisionType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=20, unique=True, verbose_name='code')),
                        ('kind', models.CharField(choices=[('favourable', 'Favourable'), ('unfavourable', 'Unfavourable'), ('waiting_list', 'Waiting list'), ('complementary_list', 'Complementary list'), ('preselection', 'Preselection')], max_length=20, verbose_name='kind')),
                        ('label_fr', models.CharField(max_length=200, verbose_name='label (French)')),
                        ('label_en', models.CharField(blank=True, max_length=200, verbose_name='label (English)')),
                        ('final', models.BooleanField(default=True, verbose_name='final')),
                        ('registration', models.BooleanField(default=False, verbose_name='confirming creates a registration export')),
                        ('show_comment', models.BooleanField(default=True, verbose_name='the comment is shown to the candidate')),
                        ('email_fr', models.TextField(blank=True, help_text='Variables: {first_name} {last_name} {program} {decision} {comment} {deadline} {rank}', verbose_name='email on validation (French)')),
                        ('email_en', models.TextField(blank=True, verbose_name='email on validation (English)')),
                        ('in_service', models.BooleanField(default=True, verbose_name='in service')),
                        ('centre', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='decision_types', to='catalog.centre', verbose_name='centre')),
                    ],
                    options={
                        'verbose_name': 'decision type',
                        'verbose_name_plural': 'decision types',
                        'db_table': 'review_decisiontype',
                        'ordering': ['kind', 'label_fr'],
                    },
                ),
                migrations.CreateModel(
                    name='Decision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='rank')),
                        ('preselection_at', models.DateTimeField(blank=True, null=True, verbose_name='preselection date and time')),
                        ('preselection_place', models.CharField(blank=True, max_length=200, verbose_name='preselection place')),
                        ('comment', models.TextField(blank=True, verbose_name='comment')),
                        ('appeal', models.BooleanField(default=False, verbose_name='appeal')),
                        ('entered_at', models.DateTimeField(auto_now_add=True)),
                        ('validated_at', models.DateTimeField(blank=True, null=True)),
                        ('publish_at', models.DateTimeField(blank=True, null=True, verbose_name='publication scheduled at')),
                        ('automatic', models.CharField(blank=True, choices=[('', 'Entered by staff'), ('promotion', 'Promotion from the complementary list'), ('direct_access', 'Direct access')], default='', max_length=20)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='applications.application')),
                        ('entered_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('validated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('reason', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='decisions.decisionreason')),
                        ('decision_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='decisions.decisiontype')),
                    ],
                    options={
                        'verbose_name': 'decision',
                        'verbose_name_plural': 'decisions',
                        'db_table': 'review_decision',
                        'ordering': ['-entered_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('automatic__in', ['', 'promotion', 'direct_access'])), name='review_decision_origin_valid'), models.CheckConstraint(condition=models.Q(('validated_at__isnull', False), ('validated_by__isnull', True), _connector='OR'), name='review_decision_validator_only_when_validated')],
                    },
                ),
            ],
        ),
    ]
