// The interactive API docs: Swagger UI (from the installed swagger-ui-bundle package).
window.addEventListener("load", function () {
  const csrf = document.querySelector('meta[name="csrf-token"]');
  window.SwaggerUIBundle({
    url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
    requestInterceptor: function (req) {  // "Try it out" with the session: send the CSRF token
      if (csrf) req.headers["X-CSRFToken"] = csrf.content;
      return req;
    },
  });
});
