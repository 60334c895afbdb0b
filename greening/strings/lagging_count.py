"""The count above the lagging list when it holds one village (English has no plural there)."""

STRINGS = {
    "lagging.count_one": ("共 1 个落后村", "1 lagging village"),
}
