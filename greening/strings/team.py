"""Strings of the greening team's phone flow: the GPS button, the form's choices, photo flags,
rejected records, and a village page opened for another village."""

STRINGS = {
    # --- the phone's GPS -------------------------------------------------------------------------
    "gps.button": ("◎ 用手机定位取点", "◎ Use the phone's position"),
    "gps.busy": ("正在定位…", "Locating…"),
    "gps.source": ("来源：手机定位，精度约 ±{accuracy} 米", "Source: phone GPS, accurate to about ±{accuracy} m"),
    "gps.coarse": ("定位精度较差（±{accuracy} 米，超过 {limit} 米）：请到空旷处再试，或在地图上点选。",
                   "The fix is coarse (±{accuracy} m, more than {limit} m): try again in the open, or tap the map."),
    "gps.denied": ("浏览器拒绝了定位权限：请在浏览器的网站设置中允许本网站获取位置，或在地图上点选、输入坐标。",
                   "The browser refused location access: allow this site to use your location in the browser's "
                   "site settings, or tap the map or type coordinates."),
    "gps.unavailable": ("未能获得定位（手机没有定位信号）：请到空旷处再试，或在地图上点选、输入坐标。",
                        "No position came (no location signal): try again in the open, or tap the map or type coordinates."),
    "gps.timeout": ("{seconds} 秒内未获得定位：请再试一次，或在地图上点选、输入坐标。",
                    "No position within {seconds} s: try again, or tap the map or type coordinates."),
    "gps.unsupported": ("此浏览器不能定位（需要 HTTPS 访问或支持定位的浏览器）：请在地图上点选或输入坐标。",
                        "This browser cannot give a position (it needs HTTPS or a browser with location): "
                        "tap the map or type coordinates."),
    "gps.invalid": ("浏览器返回的位置无效：{value}", "The browser sent an invalid position: {value}"),
    "log.map_hint2": ("在地图上点击种植位置，或按上方按钮用手机定位；单指滑动页面，双指移动、缩放地图。",
                      "Tap where the trees were planted, or press the button above to use the phone's position; "
                      "one finger scrolls the page, two fingers move and zoom the map."),
    "map.two_fingers": ("用双指移动地图", "Use two fingers to move the map"),
    # --- the form's choices ----------------------------------------------------------------------
    "log.pick_species": ("请选择树种", "Choose the species"),
    "log.enter_count": ("请填写株数", "Enter the number"),
    "log.need_species": ("请选择树种（树种没有默认值）。", "Choose the species (there is no default)."),
    "log.need_count": ("请填写株数（1 株以上）。", "Enter the number of trees (1 or more)."),
    "log.carried_species": ("树种沿用本队上一条记录：{species}（可改）。",
                            "Species carried over from your team's last record: {species} (change it if needed)."),
    "log.more": ("更多（地点名称、参与人数、备注）", "More (place name, people taking part, note)"),
    "log.date_is_report_date": ("示例数据截至 {date}：种植日期默认取该日，统计才会计入；实际登记请填种植当天。",
                                "Demo figures are as of {date}: the date defaults to it so the record counts; "
                                "for a real record enter the day of planting."),
    # under the date field: the calendar's month and day names follow the browser's language, not
    # the page's (st.date_input has no locale), so the date picked is said in the page's words
    "log.date_picked": ("所选日期：{date}", "Date picked: {date}"),
    "log.after_report_date": ("该记录日期（{date}）晚于数据截至日（{as_of}），暂不计入统计图表。",
                              "This record's date ({date}) is after the date figures are reported as of ({as_of}); "
                              "it is not counted in the figures yet."),
    # --- photos and their flags ------------------------------------------------------------------
    "photos_view.title": ("照片", "Photos"),
    "photos_view.none": ("没有照片", "No photos"),
    "photos_view.ok": ("位置、时间正常", "place and time look right"),
    "photos_view.flagged": ("照片提示：{flags}", "Photo flags: {flags}"),
    "photos_view.caption": ("照片 {n}", "Photo {n}"),
    "photos_view.missing": ("照片文件缺失", "photo file missing"),
    # --- rejected records ------------------------------------------------------------------------
    "rejected.title": ("被退回的记录（{n} 条）：请按原因核实后重新登记", "Rejected records ({n}): check the reason, then log them again"),
    "rejected.line": ("{date} · {species} × {count}（记录号 {id}）：{reason}", "{date} · {count} × {species} (record {id}): {reason}"),
    "rejected.no_reason": ("（未填写原因）", "(no reason given)"),
    "team.reject_reason": ("退回原因", "Reason for rejection"),
    # --- another village's page ------------------------------------------------------------------
    "village.only_own": ("链接中的村（{code}）不是本队所在村：护绿队只能查看本村，下面显示的是本村（{own}）。",
                         "The link names another village ({code}): a team sees only its own village, shown below ({own})."),
}
