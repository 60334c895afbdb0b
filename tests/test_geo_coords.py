"""Tests for greening.geo.coords: coordinates typed by users."""

import math

import pytest

from greening.geo.coords import CoordinateError, ParsedPoint, check_point, parse_angle, parse_point

# 21°16′12″N 110°21′36″E is exactly (110.36, 21.27).
CHIKAN = (110.36, 21.27)


def codes(problems):
    return [problem.code for problem in problems]


class TestParseDecimal:
    @pytest.mark.parametrize(
        "text",
        ["110.36, 21.27", "110.36,21.27", "110.36 21.27", " 110.36 ;21.27 ", "１１０．３６，２１．２７"],
    )
    def test_longitude_first(self, text):
        assert parse_point(text) == ParsedPoint(110.36, 21.27, swapped=False, note="")

    @pytest.mark.parametrize("text", ["21.27, 110.36", "21.27，110.36", "21.27 110.36"])
    def test_latitude_first_is_detected_and_flagged(self, text):
        point = parse_point(text)
        assert (point.lon, point.lat, point.swapped) == (110.36, 21.27, True)
        assert "纬度, 经度" in point.note

    def test_both_below_90_keeps_longitude_first(self):
        # Cannot be told apart by range: read as written; check_point hints at the swap.
        point = parse_point("21.27, 80.5")
        assert (point.lon, point.lat, point.swapped) == (21.27, 80.5, False)

    def test_negative_values(self):
        assert parse_point("-70.5, -33.4")[:2] == (-70.5, -33.4)


class TestParseWithHemispheres:
    @pytest.mark.parametrize(
        "text",
        [
            "21°16′12″N 110°21′36″E",
            "21°16'12\"N, 110°21'36\"E",
            "21° 16′ 12″ N，110° 21′ 36″ E",
            "N21°16′12″ E110°21′36″",
            "北纬21度16分12秒 东经110度21分36秒",
            "21.27N 110.36E",
            "110.36E 21.27N",
        ],
    )
    def test_dms_and_letters(self, text):
        point = parse_point(text)
        assert point.lon == pytest.approx(CHIKAN[0]) and point.lat == pytest.approx(CHIKAN[1])
        assert point.note == ""

    def test_letters_tell_the_order(self):
        assert parse_point("21.27N 110.36E").swapped is True
        assert parse_point("110.36E 21.27N").swapped is False

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("21°16'N", 21 + 16 / 60),
            ("21°16′12″", 21.27),
            ("110°21′36″W", -110.36),
            ("33.5S", -33.5),
            ("-110.5", -110.5),
        ],
    )
    def test_single_angle(self, text, expected):
        assert parse_angle(text) == pytest.approx(expected)


class TestParseRefusals:
    @pytest.mark.parametrize(
        "text, code",
        [
            ("110,36", "coord_comma_decimal"),
            ("110,36 21,27", "coord_comma_decimal"),
            ("110,36,21,27", "coord_comma_decimal"),
            ("110.36, 95", "coord_lat_out_of_range"),
            ("200.5, 21.27", "coord_lon_out_of_range"),
            ("nan, 21.27", "coord_not_a_number"),
            ("110.36, inf", "coord_not_a_number"),
            ("", "coord_empty"),
            ("   ", "coord_empty"),
            (None, "coord_empty"),
            ("21.27", "coord_need_two_numbers"),
            ("110.36, 21.27, 5", "coord_need_two_numbers"),
            ("湛江", "coord_unreadable"),
            ("110.36 x 21.27", "coord_unreadable"),
            ("21.27N 21.5S", "coord_both_latitudes"),
            ("21°61′N 110E", "coord_angle_minutes_over_60"),
            ("21.5°30′N 110E", "coord_angle_decimal_and_minutes"),
            ("-21.3S 110E", "coord_angle_sign_and_letter"),
        ],
    )
    def test_error_codes(self, text, code):
        with pytest.raises(CoordinateError) as info:
            parse_point(text)
        assert info.value.code == code

    def test_errors_have_chinese_and_english_text_naming_the_value(self):
        with pytest.raises(CoordinateError) as info:
            parse_point("110.36, 95")
        error = info.value
        assert error.zh == "纬度 95 超出范围（-90 至 90）"
        assert error.en == "latitude 95 is out of range (-90 to 90)"
        assert str(error) == f"{error.zh} / {error.en}"
        assert isinstance(error, ValueError)

    def test_comma_decimal_message_says_why(self):
        with pytest.raises(CoordinateError, match="decimal mark") as info:
            parse_point("110,36")
        assert "小数点" in info.value.zh


class TestCheckPoint:
    def test_point_in_zhanjiang_has_no_problem(self):
        assert check_point(*CHIKAN) == []

    def test_point_elsewhere(self):
        problems = check_point(113.26, 23.13)
        assert codes(problems) == ["outside_zhanjiang"]
        assert "不在湛江市范围内" in problems[0].zh and "outside Zhanjiang" in problems[0].en

    @pytest.mark.parametrize(
        "lon, lat, expected",
        [
            (21.27, 110.36, ["coord_lat_out_of_range", "location_swapped"]),
            (21.27, 80.0, ["outside_zhanjiang"]),
            (200.0, 21.27, ["coord_lon_out_of_range"]),
            (math.nan, 21.27, ["coord_not_finite"]),
            (110.36, None, ["coord_not_finite"]),
        ],
    )
    def test_problem_codes(self, lon, lat, expected):
        assert codes(check_point(lon, lat)) == expected

    def test_swap_hint_mentions_swap_in_both_languages(self):
        (_, hint) = check_point(21.27, 110.36)
        assert "填反" in hint.zh and "swapped" in hint.en
