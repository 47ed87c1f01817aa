from django.contrib import admin

from .models import BacSeries, BacSpeciality, Commune, Country, Department, HighSchool, Honours


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso2", "name_fr", "name_en", "insee_code", "nationality_fr"]
    search_fields = ["iso2", "name_fr", "name_en"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region_name"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "department"]
    search_fields = ["insee_code", "name"]
    list_select_related = ["department"]


@admin.register(HighSchool)
class HighSchoolAdmin(admin.ModelAdmin):
    list_display = ["uai", "name", "city", "department_id", "country_id"]
    search_fields = ["uai", "name", "city"]


@admin.register(BacSeries)
class BacSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "label_fr", "first_year", "last_year", "kind"]


@admin.register(BacSpeciality)
class BacSpecialityAdmin(admin.ModelAdmin):
    list_display = ["code", "label_fr", "first_year"]


@admin.register(Honours)
class HonoursAdmin(admin.ModelAdmin):
    list_display = ["code", "label_fr", "min_average"]
