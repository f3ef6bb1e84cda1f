// The login page's demo-account buttons fill the form; the person still presses "Sign in".
document.querySelectorAll('[data-fill-username]').forEach((button) => {
  button.addEventListener('click', () => {
    document.getElementById('username').value = button.dataset.fillUsername;
    document.getElementById('password').value = button.dataset.fillPassword;
    document.querySelector('button[type=submit]').focus();
  });
});
