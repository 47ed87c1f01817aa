from django.db import models
from django.utils.translation import gettext_lazy as _


class Title(models.TextChoices):
    MR = "M.", _("Mr")
    MS = "Mme", _("Ms")


class StudyResult(models.TextChoices):
    OBTAINED = "obtained", _("Yes")
    NOT_OBTAINED = "not_obtained", _("No")
    IN_PROGRESS = "in_progress", _("In progress")


class TrainingLevel(models.TextChoices):
    """Level or type of a post-baccalaureate diploma (eCandidat's "diplôme autre cursus")."""

    BTS = "bts", _("BTS (advanced technician's certificate)")
    BUT = "but", _("BUT / DUT (university technology diploma)")
    CPGE = "cpge", _("Preparatory class (CPGE)")
    LICENCE = "licence", _("Licence (bachelor's degree)")
    LICENCE_PRO = "licence_pro", _("Licence professionnelle")
    MASTER = "master", _("Master")
    ENGINEER = "engineer", _("Engineering degree")
    DOCTORATE = "doctorate", _("Doctorate")
    HEALTH = "health", _("Health studies (PASS, L.AS, medicine…)")
    DU = "du", _("University diploma (DU)")
    SCHOOL = "school", _("Business, art or other school diploma")
    FOREIGN = "foreign", _("Foreign higher-education diploma")
    OTHER = "other", _("Other")


class DossierSection(models.TextChoices):
    PERSONAL = "personal", _("Perso. information")
    ADDRESS = "address", _("Address")
    BACCALAUREATE = "baccalaureate", _("High school diploma")
    LOCAL_STUDIES = "local_studies", _("Local studies")
    NON_LOCAL_STUDIES = "non_local_studies", _("Non-local Studies")
    INTERNSHIPS = "internships", _("Internships")
    WORK_EXPERIENCE = "work_experience", _("Work experience")
