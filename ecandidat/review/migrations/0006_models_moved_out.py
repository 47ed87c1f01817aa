from django.db import migrations

# Decisions, list preferences and bulk jobs moved to the decisions, exports and jobs apps.
# The tables stay (Meta.db_table), so only the state changes here; the content types follow
# the models, so permissions given by hand (and their groups) keep pointing at them.
MOVED = {
    "decision": "decisions",
    "decisiontype": "decisions",
    "decisionreason": "decisions",
    "listpreference": "exports",
    "bulkjob": "jobs",
}


def _move(apps, source_of, target_of):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, app in MOVED.items():
        source, target = source_of(app), target_of(app)
        if content_type.objects.filter(app_label=target, model=model).exists():
            continue  # already there (created by a run of post_migrate in between)
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, lambda app: "review", lambda app: app)


def move_content_types_back(apps, schema_editor):
    _move(apps, lambda app: app, lambda app: "review")


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0005_state_invariants'),
        ('decisions', '0001_initial'),
        ('exports', '0001_initial'),
        ('jobs', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='decision',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='decision_type',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='entered_by',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='reason',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='validated_by',
                ),
                migrations.RemoveField(
                    model_name='decisiontype',
                    name='centre',
                ),
                migrations.RemoveField(
                    model_name='listpreference',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='BulkJob',
                ),
                migrations.DeleteModel(
                    name='DecisionReason',
                ),
                migrations.DeleteModel(
                    name='Decision',
                ),
                migrations.DeleteModel(
                    name='DecisionType',
                ),
                migrations.DeleteModel(
                    name='ListPreference',
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
