"""Interface strings of the care schedule: the care-overdue lagging reason and logging a care or
survival check on a phone."""

STRINGS = {
    "lagging.kind.care_overdue": ("管护核查逾期", "Care checks overdue"),
}
STRINGS.update({
    "nav.care_check": ("管护与成活率核查", "Care and survival check"),
    "care.title": ("管护与成活率核查", "Care and survival check"),
    "care.due_title": ("本周到期与逾期", "Due this week and overdue"),
    "care.none_due": ("本村没有本周到期或逾期的核查。", "No check is due this week or overdue in this village."),
    "care.how": ("选择记录", "Which planting"),
    "care.how.list": ("从到期清单选", "From the due list"),
    "care.how.position": ("按位置匹配", "By position"),
    "care.pick": ("到期的植树记录", "Planting due"),
    "care.pick_placeholder": ("请选择一条记录", "Choose a planting"),
    "care.due_line": ("#{id} {species} {count} 株 · 第 {months} 个月核查 · 应查 {due} · {state}",
                      "#{id} {species}, {count} trees · month {months} check · due {due} · {state}"),
    "care.overdue_days": ("逾期 {n} 天", "{n} day(s) overdue"),
    "care.species": ("树种（与原记录相同）", "Species (as in the planting)"),
    "care.matched": ("匹配到记录 #{id}（{species} {count} 株，{planted} 种植），相距 {metres} 米",
                     "Matched planting #{id} ({species}, {count} trees, planted {planted}), {metres} m away"),
    "care.need_point": ("请先定位或在地图上点选核查位置", "Locate yourself or tap the map first"),
    "care.need_planting": ("请选择一条植树记录", "Choose a planting"),
    "care.no_match": ("无法提交：附近没有可核查的同树种植树记录（见上方）。请换一个位置或树种。",
                      "Cannot be submitted: no planting of this species to check near here (see above). "
                      "Try another point or species."),
    "care.kind": ("核查类型", "Kind of check"),
    "care.kind.survival": ("成活率核查", "Survival check"),
    "care.kind.care": ("管护（浇水、施肥、除草等）", "Care visit (watering, weeding, ...)"),
    "care.alive": ("成活株数", "Trees alive"),
    "care.alive_of": ("共 {count} 株", "of {count} trees"),
    "care.done_what": ("管护内容", "Care done"),
    "care.date": ("核查日期", "Date of the check"),
    "care.responsible": ("管护责任人", "Person responsible"),
    "care.note": ("备注", "Note"),
    "care.submit": ("提交核查", "Submit the check"),
    # with the date as saved and its weekday, as 种植登记's 已登记
    #: the kind of check inside a sentence (the labels above name the choice, with examples)
    "care.kind_said.survival": ("成活率核查", "survival check"),
    "care.kind_said.care": ("管护", "care visit"),
    "care.saved": ("已保存植树记录 #{planting} 的{kind}，核查日期 {date}（核查编号 {id}）。",
                   "Saved the {kind} of planting #{planting}, checked on {date} (check {id})."),
    "care.duplicate": ("这次核查已保存过（核查日期 {date}，核查编号 {id}），没有重复记录。",
                       "This check was already saved (checked on {date}, check {id}); nothing was recorded twice."),
    "care.rate": ("成活率 {rate}", "survival {rate}"),
    "care.another": ("再记一条", "Log another check"),
})
