"""A link to the county dashboard (``?county=``) naming a county the user may not open."""

STRINGS = {
    "county.only_own": ("链接中的县区（{code}）不在您的管辖范围内：您只能查看本辖区，下面显示的是本辖区（{own}）。",
                        "The link names a county outside your area ({code}): you see only your own area, "
                        "shown below ({own})."),
    "county.unknown": ("链接中的县区（{code}）不存在，无法打开：下面显示的是{own}。",
                       "The link names no county that can be opened ({code}): {own} is shown below."),
}
