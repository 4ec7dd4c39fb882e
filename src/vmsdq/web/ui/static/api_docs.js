// The interactive API docs: Swagger UI (from the installed swagger-ui-bundle package).
window.addEventListener("load", function () {
  window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
