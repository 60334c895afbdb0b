"""Streamlit's own interface texts in the tab's language.

Streamlit writes a few texts of its own in English whatever the app's language: the hint under a
text box in a form ("Press Enter to submit form"), the file uploader's "Drag and drop file here",
"Browse files" / "Upload" and "15MB per file", a select box's "Choose an option", a multiselect's
"Select all" and "No results", the "Page not found" dialog of an address that is no page of the
app, and the box of a failed page run. Where a widget parameter
exists the app uses it (``placeholder=``, ``select_all=False``); the rest is translated in the
page by a small script that watches the document and replaces exactly these texts (nothing else,
and no user data) while the tab is in Chinese, and puts the English back when the user switches
to English.
"""
from __future__ import annotations

import json

import streamlit as st

from ui.i18n_st import lang

__all__ = ["TEXTS", "PATTERNS", "SCOPED", "translate_streamlit_texts"]

#: Streamlit's English text -> Chinese (exact text of one element).
TEXTS = {
    "Press Enter to submit form": "按回车键提交",
    "Press Enter to apply": "按回车键确认",
    "Press Ctrl+Enter to submit form": "按 Ctrl+回车 提交",
    "Press Ctrl+Enter to apply": "按 Ctrl+回车 确认",
    "Press ⌘+Enter to submit form": "按 ⌘+回车 提交",
    "Press ⌘+Enter to apply": "按 ⌘+回车 确认",
    "Drag and drop file here": "将文件拖到此处",
    "Drag and drop files here": "将文件拖到此处",
    "Browse files": "选择文件",
    "Choose an option": "请选择",
    "Choose options": "请选择",
    "No options to select": "没有可选项",
    "No results": "没有匹配项",
    "Select all": "全选",
    "Clear all": "全部清除",
    # an address that is no page of the app (every page's own address is known, logged in or not)
    "Page not found": "页面不存在",
    "The page that you have requested does not seem to exist. Running the app's main page.":
        "您要打开的页面不存在，现在显示首页。",
    # an uncaught error of a page run (client.showErrorDetails = "none": no details for users)
    "This app has encountered an error. The original error message is redacted to prevent data "
    "leaks. Full error details have been recorded in the logs (if you're on Streamlit Cloud, click "
    "on 'Manage app' in the lower right of your app).":
        "系统出错了，本次操作可能没有完成。为保护数据，错误详情不在页面显示，已记入服务器日志。"
        "请刷新页面后重试；如仍出错，请联系管理员。",
}
#: (regular expression over the English text, Chinese with $1 for the number).
PATTERNS = [
    (r"^(\d+(?:\.\d+)?)\s*([KMG]B) per file$", "每个文件不超过 $1$2"),
    (r"^(\d+(?:\.\d+)?)\s*([KMG]B) per file • (.+)$", "每个文件不超过 $1$2 • $3"),
    (r"^Select (\d+) matches$", "选择 $1 个匹配项"),
    # the uploader's refusal of a file over its limit (a photo over 15 MB, a raster over 512 MB)
    (r"^Error: File must be (\d+(?:\.\d+)?)\s*([KMG]B) or smaller\.$", "错误：文件不能超过 $1$2"),
]
#: (CSS selector of the element the text must be inside, regular expression, Chinese): words too
#: common to translate anywhere ("Upload"), only inside Streamlit's own element.
SCOPED = [
    ('[data-testid="stFileUploaderDropzone"]', r"^Upload$", "上传"),
]

_BOX = "greening_st_texts"
_SCRIPT = """
<script>
(function () {
  var w = window.parent && window.parent.document ? window.parent : window, d = w.document;
  var cfg = %(cfg)s;
  w.__greeningTexts = cfg;
  if (w.__greeningTextsObserver) { w.__greeningTextsApply(d.body); return; }
  var res = cfg.patterns.map(function (p) { return [new RegExp(p[0]), p[1]]; });
  var scoped = cfg.scoped.map(function (p) { return [p[0], new RegExp(p[1]), p[2]]; });
  function toZh(text, node) {
    var t = text.trim();
    if (Object.prototype.hasOwnProperty.call(w.__greeningTexts.texts, t)) return w.__greeningTexts.texts[t];
    for (var i = 0; i < res.length; i++) { if (res[i][0].test(t)) return t.replace(res[i][0], res[i][1]); }
    var parent = node && node.parentElement;
    for (var j = 0; parent && j < scoped.length; j++) {
      if (scoped[j][1].test(t) && parent.closest(scoped[j][0])) return t.replace(scoped[j][1], scoped[j][2]);
    }
    return null;
  }
  function fix(node) {
    if (node.nodeType === 3) {
      // The page changed a text we translated (a button's label): that is the new English.
      if (node.__greeningZh !== undefined && node.nodeValue !== node.__greeningZh) {
        node.__greeningEn = undefined; node.__greeningZh = undefined;
      }
      var orig = node.__greeningEn || node.nodeValue;
      if (w.__greeningTexts.lang === "zh") {
        var zh = toZh(orig, node);
        if (zh !== null && node.nodeValue !== zh) {
          node.__greeningEn = orig; node.__greeningZh = zh; node.nodeValue = zh;
        }
      } else if (node.__greeningEn) {
        var back = node.__greeningEn;
        node.__greeningEn = undefined; node.__greeningZh = undefined;
        if (node.nodeValue !== back) node.nodeValue = back;
      }
      return;
    }
    if (node.nodeType !== 1) return;
    var ph = node.getAttribute && node.getAttribute("placeholder");
    if (ph) {
      var en = node.__greeningPh || ph;
      if (w.__greeningTexts.lang === "zh") {
        var z = toZh(en, node);
        if (z !== null && ph !== z) { node.__greeningPh = en; node.setAttribute("placeholder", z); }
      } else if (node.__greeningPh && ph !== node.__greeningPh) { node.setAttribute("placeholder", node.__greeningPh); }
    }
    for (var c = node.firstChild; c; c = c.nextSibling) fix(c);
  }
  w.__greeningTextsApply = fix;
  w.__greeningTextsObserver = new w.MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "characterData") fix(r.target);
      else if (r.type === "attributes") fix(r.target);
      else r.addedNodes.forEach(fix);
    });
  });
  w.__greeningTextsObserver.observe(d.body, {subtree: true, childList: true, characterData: true,
                                             attributes: true, attributeFilter: ["placeholder"]});
  fix(d.body);
})();
</script>
"""


def translate_streamlit_texts() -> None:
    """Put the translating script on the page (once per language; hidden, takes no space)."""
    cfg = {"lang": lang(), "texts": TEXTS, "patterns": [list(p) for p in PATTERNS],
           "scoped": [list(p) for p in SCOPED]}
    # Only the fixed tables above reach the page; json.dumps makes them JavaScript literals.
    body = _SCRIPT % {"cfg": json.dumps(cfg, ensure_ascii=False).replace("</", "<\\/")}
    st.html(f"<style>.st-key-{_BOX}{{display:none}}</style>")
    with st.container(key=_BOX):
        st.html(body, unsafe_allow_javascript=True)
