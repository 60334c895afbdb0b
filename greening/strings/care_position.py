"""Strings of a care check picked by position (typed coordinates, GPS or a tap on the map)."""

STRINGS = {
    "care.need_coords": ("请先输入核查位置的坐标", "Type the coordinates of the check first"),
    "care.need_species": ("请选择树种：按位置匹配该树种最近的植树记录",
                          "Choose the species: the nearest planting of that species is matched"),
}
