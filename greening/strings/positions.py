"""The posts people serve the campaign in (Person.title): the fixed set the campaign's rosters
use (cadres' grades, experts' titles, worthies, leaders in charge), in Chinese and English.

A title outside this set (typed in an import) is shown as written: see :func:`greening.i18n.position`.
"""

#: Chinese title -> English
POSITIONS = {
    # graded cadres sent down (职级)
    "副处级干部": "Deputy division-level cadre",
    "正科级干部": "Section-level cadre",
    "副科级干部": "Deputy section-level cadre",
    "一级主任科员": "First-grade principal staff member",
    "二级主任科员": "Second-grade principal staff member",
    "四级调研员": "Fourth-grade researcher",
    "驻村第一书记": "Resident first secretary",
    "党建指导员": "Party-building instructor",
    # experts of the institutions
    "教授": "Professor",
    "副教授": "Associate professor",
    "研究员": "Research fellow",
    "副研究员": "Associate research fellow",
    "高级农艺师": "Senior agronomist",
    "高级工程师（林业）": "Senior engineer (forestry)",
    # local worthies
    "乡贤（企业家）": "Local worthy (entrepreneur)",
    "乡贤（退休教师）": "Local worthy (retired teacher)",
    "乡贤（返乡创业青年）": "Local worthy (young returnee entrepreneur)",
    "乡贤（华侨）": "Local worthy (overseas Chinese)",
    "乡贤（退役军人）": "Local worthy (veteran)",
    "能人（种植大户）": "Local expert (large-scale grower)",
    # city leaders in charge of a county and a town (包抓领导)
    "市委副书记": "Deputy Secretary of the Municipal Party Committee",
    "市委常委、组织部部长": "Municipal Party Standing Committee member, Head of the Organisation Department",
    "市委常委、秘书长": "Municipal Party Standing Committee member, Secretary-General",
    "市委常委、宣传部部长": "Municipal Party Standing Committee member, Head of the Publicity Department",
    "副市长": "Vice Mayor",
    "市人大常委会副主任": "Vice Chair, Standing Committee of the Municipal People's Congress",
    "市政协副主席": "Vice Chair, Municipal CPPCC Committee",
    # county and town leaders in charge
    "区委书记": "District Party Secretary",
    "县委书记": "County Party Secretary",
    "市委书记": "City Party Secretary",
    "分管副区长": "Deputy district head in charge",
    "分管副县长": "Deputy county head in charge",
    "分管副市长": "Deputy mayor in charge",
    "副县长": "Deputy county head",
    "镇党委书记": "Town Party Secretary",
    "街道党工委书记": "Subdistrict Party Working Committee Secretary",
    "镇长": "Town head",
}

STRINGS = {f"position.{zh}": (zh, en) for zh, en in POSITIONS.items()}
