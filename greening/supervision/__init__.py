"""Supervision (督办): notices to lagging villages, the inbox, care schedules, notifications, ranking.

Modules: :mod:`states` (the notice state machine, overdue and escalation), :mod:`notices`
(issuing and answering notices), :mod:`inbox` (what waits for a user), :mod:`care_schedule` (care
and survival checks due), :mod:`outbox` and :mod:`delivery` (messages to WeCom, DingTalk and
e-mail), :mod:`ranking` (the monthly 红黑榜), :mod:`pdf` (documents with Chinese fonts).
"""
