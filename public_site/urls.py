from django.urls import path

from . import crawlers, views
from .blog import views as blog

app_name = "public_site"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("pricing", views.pricing, name="pricing"),
    path("features", views.features, name="features"),
    path("use-cases", views.use_cases, name="use_cases"),
    path("use-cases/<slug:slug>", views.use_case, name="use_case"),
    path("blog", blog.index, name="blog"),
    path("blog/rss.xml", blog.rss, name="blog_rss"),
    path("blog/tag/<slug:slug>", blog.tag, name="blog_tag"),
    path("blog/<slug:slug>", blog.detail, name="blog_post"),
    path("legal/offer", views.legal, {"document": "offer"}, name="legal_offer"),
    path("legal/privacy", views.legal, {"document": "privacy"}, name="legal_privacy"),
    path("legal/cookies", views.legal, {"document": "cookies"}, name="legal_cookies"),
    path("legal/requisites", views.legal, {"document": "requisites"}, name="legal_requisites"),
    path("sitemap.xml", crawlers.sitemap, name="sitemap"),
    path("robots.txt", crawlers.robots, name="robots"),
    path("favicon.ico", crawlers.favicon),
]
