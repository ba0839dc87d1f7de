from django.urls import path

from assessments.views import integrity, review, taking

app_name = "assessments"

urlpatterns = [
    path("", taking.assessment_list, name="list"),
    path("<int:assessment_id>/", taking.assessment_detail, name="detail"),
    path("<int:assessment_id>/start/", taking.attempt_start, name="start"),
    path("<int:assessment_id>/preview/", taking.attempt_preview, name="preview"),
    path("attempt/<int:attempt_id>/", taking.attempt_page, name="attempt"),
    path("attempt/<int:attempt_id>/answer/", taking.attempt_answer, name="answer"),
    path("attempt/<int:attempt_id>/submit/", taking.attempt_submit, name="submit"),
    path("attempt/<int:attempt_id>/result/", taking.attempt_result, name="result"),
    path("attempt/<int:attempt_id>/events/", integrity.attempt_events, name="events"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/<int:attempt_id>/", review.review_attempt, name="review_attempt"),
    path("review/<int:attempt_id>/clear/", review.review_clear, name="review_clear"),
    path("review/<int:attempt_id>/void/", review.review_void, name="review_void"),
]
