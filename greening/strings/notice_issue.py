"""Strings of issuing notices where a village already has one open (one open notice per village)."""

STRINGS = {
    "sup.issue.open_mark": ("已有未办结督办单 {numbers}", "notice still open: {numbers}"),
    "sup.issue.reissue": ("对已有未办结督办单的村仍下发新督办单", "Issue again to villages whose notice is still open"),
    "sup.issue.open_hint": ("{n} 个所选村已有未办结督办单，默认不再下发（见下方选项）。",
                            "{n} of the chosen villages already have an open notice; by default they are not issued another (see the option below)."),
    "sup.issue.skipped": ("未下发 {n} 个村（已有未办结督办单）：{villages}",
                          "Not issued to {n} village(s) whose notice is still open: {villages}"),
    "sup.issue.none_issued": ("没有下发新的督办单。", "No new notice was issued."),
    # 下发 pressed again for a village whose open notice the same user issued the same day with the
    # same reasons (a double press): that notice is named, and nothing new was issued
    "sup.issue.repeated_one": ("{village}已有您今天下发的未办结督办单 {number}，没有下发新的督办单。",
                               "{village} already has the open notice {number} you issued today; no new notice was issued."),
    "sup.issue.repeated": ("{n} 个村已有您今天下发的未办结督办单，未重复下发：{villages}",
                           "{n} village(s) already have an open notice you issued today; not issued again: {villages}"),
    "sup.issue.repeated_item": ("{village}（{number}）", "{village} ({number})"),
}
