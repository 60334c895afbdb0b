"""A notice's history (办理经过) as the notice's card shows it, one line a step."""

STRINGS = {
    "sup.history": ("办理经过", "History"),
    "sup.history.issued": ("{on} 下发：{by}", "{on} issued by {by}"),
    "sup.history.acknowledged": ("{on} 签收：{by}", "{on} acknowledged by {by}"),
    "sup.history.reported": ("{on} 上报整改：{by}", "{on} rectification reported by {by}"),
    "sup.history.returned": ("退回（第 {times} 次）：{by}", "returned (time {times}) by {by}"),
    "sup.history.closed": ("{on} 核验办结：{by}", "{on} verified and closed by {by}"),
}
