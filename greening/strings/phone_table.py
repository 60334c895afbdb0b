"""A long table on a phone (ui.tables.phone_table): the first rows, how many are left, more on a press."""

STRINGS = {
    "table.more_rows": ("显示前 {shown} 条，还有 {n} 条…可再显示，或缩小筛选范围。",
                        "The first {shown} shown; {n} more… Show more, or narrow the filter."),
    "table.show_more": ("再显示 {n} 条", "Show {n} more"),
}
