"""Flags of a planting record and of its photos in words: the one set every screen uses (the
review queue, a record's photos for the reviewer, the team's photos after saving, the village page).
``{m}`` and ``{days}`` are the server's limits (greening.photos.TOO_FAR_M, TIME_FAR_DAYS)."""

STRINGS = {
    # the record's point
    "flag.outside_claimed_village": ("坐标不在所报村内", "point outside the village reported"),
    "flag.village_unlocated": ("坐标不在任何村内", "point in no village"),
    # its photos (EXIF compared with the record)
    "flag.no_gps": ("照片没有 GPS 位置信息", "the photo has no GPS position"),
    "flag.gps_zero": ("照片的 GPS 位置为 0,0（无效）", "the photo's GPS position is 0,0 (invalid)"),
    "flag.too_far": ("拍摄地点离登记位置超过 {m} 米", "taken more than {m} m from the recorded point"),
    "flag.no_time": ("照片没有拍摄时间", "the photo has no time taken"),
    "flag.time_far": ("拍摄时间与种植日期相差超过 {days} 天", "taken more than {days} days from the planting date"),
    "flag.duplicate_photo": ("与另一条记录的照片几乎相同", "nearly the same as a photo of another record"),
}
