"""The monthly zero-backlog board (月月清零), under /petitions/."""

from django.urls import path

from petitions.views import board

urlpatterns = [
    path("board/", board.board, name="board"),
]
