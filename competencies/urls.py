from django.urls import path

from competencies.views import career, competency, expiry, gaps, history, reports, team

app_name = "competencies"

urlpatterns = [
    path("gap/", gaps.my_gaps, name="my_gaps"),
    path("gap/<int:user_id>/", gaps.employee_gaps_view, name="employee_gaps"),
    path("gap/team/", team.team_view, name="team"),
    path("gap/competency/<int:competency_id>/", competency.my_competency, name="my_competency"),
    path(
        "gap/<int:user_id>/competency/<int:competency_id>/", competency.employee_competency, name="employee_competency"
    ),
    path("gap/history/", history.my_history, name="my_history"),
    path("gap/<int:user_id>/history/", history.employee_history, name="employee_history"),
    path("career/", career.career, name="career"),
    path("career/talent/", career.talent, name="talent_search"),
    path("reports/", reports.report, name="reports"),
    path("reports/export/", reports.report_export, name="reports_export"),
    path("reports/risk/", reports.risk_report, name="risk_report"),
    path("reports/expiry/", expiry.expiry_report, name="expiry_report"),
]
