"""Words of the charts (ui/charts.py)."""

STRINGS = {
    "chart.week": ("周", "Week"),
    "chart.trees_to_date": ("累计植树（株）", "Trees to date"),
    "chart.series": ("镇街", "Town"),
}
