// Security keys and passkeys (WebAuthn): registration on the two-factor page and the
// second login step. The server sends the options as JSON (binary fields in base64url),
// keeps the challenge in the session and verifies the answer. Without JavaScript (or
// without WebAuthn in the browser) the buttons stay hidden and codes still work.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  function toBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var message = (data.error && data.error.message) || "The request failed (" + response.status + ").";
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBuffer(item.id), transports: item.transports };
    });
  }

  function register(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (credential) {
      var response = credential.response;
      return {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || null,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          attestationObject: toBase64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : []
        }
      };
    });
  }

  function authenticate(options) {
    options.challenge = toBuffer(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (credential) {
      var response = credential.response;
      return {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || null,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: toBase64url(response.userHandle)
        }
      };
    });
  }

  function wire(section, ceremony) {
    var button = section.querySelector("[data-webauthn-start]");
    var error = section.querySelector("[data-webauthn-error]");
    var nameInput = section.querySelector("[data-webauthn-name]");
    var form = section.querySelector("[data-webauthn-form]");
    var csrf = section.getAttribute("data-csrf");
    Array.prototype.forEach.call(section.querySelectorAll(".webauthn-nojs"), function (el) { el.hidden = true; });
    if (form) { form.hidden = false; }
    button.hidden = false;
    button.addEventListener("click", function () {
      error.hidden = true;
      button.disabled = true;
      post(section.getAttribute("data-options-url"), csrf)
        .then(ceremony)
        .then(function (credential) {
          return post(section.getAttribute("data-verify-url"), csrf, {
            credential: credential,
            name: nameInput ? nameInput.value : ""
          });
        })
        .then(function (result) { window.location.assign(result.redirect); })
        .catch(function (exc) {
          error.textContent = (exc && exc.name === "NotAllowedError")
            ? "The security key did not answer or the request was cancelled."
            : (exc && exc.message) || "That did not work.";
          error.hidden = false;
          button.disabled = false;
        });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-webauthn-register]"), function (section) {
    wire(section, register);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-webauthn-login]"), function (section) {
    wire(section, authenticate);
  });
}());
