"""Column headers of the village page's table of cadres and experts (驻村干部与专家)."""

STRINGS = {
    "village.people.name": ("姓名", "Name"),
    "village.people.kind": ("身份", "Role"),
    "village.people.title": ("职务", "Position"),
}
