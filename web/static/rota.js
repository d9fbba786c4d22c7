// Behaviour for the pages, kept out of the HTML so that the content security policy can forbid inline scripts.
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    window.print();
  }
});
