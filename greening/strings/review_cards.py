"""Strings of the review queue on a phone: one line per record instead of the wide table."""

STRINGS = {
    "review.card": ("#{id} {village} · {species} × {trees} 株 · 照片 {photos} 张 · 标记：{flags} · 提交 {submitted}",
                    "#{id} {village} · {species} × {trees} trees · {photos} photos · flags: {flags} · "
                    "submitted {submitted}"),
}
