// The public site's mobile menu (templates/public_site/base.html): its button shows and hides the menu,
// Escape and a tap outside close it. A few lines instead of htmx and Alpine on every public page.
(() => {
  const button = document.querySelector("[data-menu-toggle]");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const label = button.querySelector("[data-menu-label]");
  const [openIcon, closeIcon] = button.querySelectorAll("svg");

  const setOpen = (open) => {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    label.textContent = open ? "Закрыть меню" : "Открыть меню";
    openIcon.toggleAttribute("hidden", open);
    closeIcon.toggleAttribute("hidden", !open);
  };

  button.addEventListener("click", () => setOpen(menu.hidden));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !button.contains(event.target)) setOpen(false);
  });
})();
